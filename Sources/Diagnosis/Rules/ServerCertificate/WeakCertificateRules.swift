import WireCore
import Connections
import X509Inspect

/// WEAK-KEY: RSA/DSA below 2048 bits or EC below 256 bits in a chain.
public struct WeakKeyRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .weakKey }
    public var severity: Severity { .warning }
    public var rank: Int { 60 }
    public var summary: String { "A certificate has a weak key (RSA below 2048 bits, EC below 256 bits)." }
    public var details: String {
        """
        Keys this small can be broken with modest resources; current TLS libraries refuse them at their default \
        security level (OpenSSL SECLEVEL 2 rejects RSA < 2048). Fix: reissue the certificate with an RSA 2048+ or \
        EC P-256+ key.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        WeakFinding.make(ctx, id: id, kind: .weakKey, what: "weak key")
    }
}

/// WEAK-SIGNATURE: a certificate signed with MD5 or SHA-1.
public struct WeakSignatureRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .weakSignature }
    public var severity: Severity { .warning }
    public var rank: Int { 61 }
    public var summary: String { "A certificate is signed with a weak hash (MD5, SHA-1)." }
    public var details: String {
        """
        MD5 and SHA-1 signatures can be forged (chosen-prefix collisions); clients reject them at default settings. \
        Fix: reissue the certificate signed with SHA-256 or better.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        WeakFinding.make(ctx, id: id, kind: .weakSignature, what: "weak signature")
    }
}

enum WeakFinding {
    static func make(_ ctx: RuleContext, id: RuleID, kind: ChainIssue.Kind, what: String) -> Finding? {
        // Nothing to build (not even the list below) without such an issue in either chain.
        guard ctx.hasServerIssue(kind) || ctx.hasClientIssue(kind) else { return nil }
        for (chain, isServer) in [(ctx.analyzed.serverChain, true), (ctx.analyzed.clientChain, false)] {
            guard let chain else { continue }
            let issues = chain.verdict.issues.filter { $0.kind == kind }
            guard let first = issues.first else { continue }
            var sev: Severity = .warning
            var follows: RuleID?
            if isServer { (sev, follows) = ctx.serverProblemSeverity(id) }
            else if ctx.serverCertificateAlert != nil && !ctx.connection.established { sev = .error }
            var f = Finding(rule: id, severity: sev, confidence: .high,
                            title: "\(isServer ? "Server" : "Client") certificate with a \(what): \(issues.map(\.detail).joined(separator: "; "))",
                            explanation: "The \(isServer ? "server" : "client")'s chain (frame \(chain.frame)) has a \(what): \(first.detail). Current TLS stacks refuse this at their default security level." + (isServer ? ctx.acceptedAnywayNote : ""),
                            remediation: "Reissue the \(isServer ? "server" : "device") certificate with an RSA 2048-bit or ECDSA P-256 key, signed with SHA-256 or better.",
                            frames: [chain.frame], evidence: issues.map { Evidence(what, $0.detail, frame: chain.frame) },
                            sideAtFault: isServer ? .server : .client)
            f.followsFrom = follows
            return f
        }
        return nil
    }
}

/// WRONG-KEY-USAGE: the certificate's (extended) key usage does not allow its role.
public struct WrongKeyUsageRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .wrongKeyUsage }
    public var severity: Severity { .error }
    public var rank: Int { 20 }
    public var summary: String { "A certificate's extended key usage does not allow its role (serverAuth for servers, clientAuth for devices)." }
    public var details: String {
        """
        The certificate has an extendedKeyUsage extension that lacks serverAuth (for a server certificate) or \
        clientAuth (for a device certificate in mutual TLS). Validating peers refuse it, typically with \
        unsupported_certificate or bad_certificate. Fix: reissue it with the right EKU.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.hasServerIssue(.missingServerAuthEKU) || ctx.hasServerIssue(.invalidPurpose)
                || ctx.hasClientIssue(.missingClientAuthEKU) else { return nil }
        if let chain = ctx.analyzed.serverChain,
           let issue = ctx.serverIssue(.missingServerAuthEKU) ?? ctx.serverIssue(.invalidPurpose) {
            let (sev, follows) = ctx.serverProblemSeverity(id)
            var f = Finding(rule: id, severity: sev, confidence: .high,
                            title: "Server certificate not valid for TLS servers (no serverAuth EKU)",
                            explanation: "The server's certificate (frame \(chain.frame)) does not allow server authentication: \(issue.detail)." + ctx.acceptedAnywayNote,
                            remediation: "Reissue the server certificate with extendedKeyUsage serverAuth.",
                            frames: [chain.frame], evidence: [Evidence("key usage", issue.detail, frame: chain.frame)], sideAtFault: .server)
            f.followsFrom = follows
            return f
        }
        if let chain = ctx.analyzed.clientChain, let issue = ctx.clientIssue(.missingClientAuthEKU) {
            let rejected = ctx.serverCertificateAlert != nil
            return Finding(rule: id, severity: rejected ? .error : .warning, confidence: .high,
                           title: "Device certificate not valid for TLS clients (no clientAuth EKU)",
                           explanation: "The device's certificate (frame \(chain.frame)) does not allow client authentication: \(issue.detail).",
                           remediation: ctx.remediation(id, generic: "Install a device certificate with extendedKeyUsage clientAuth."),
                           frames: [chain.frame], evidence: [Evidence("key usage", issue.detail, frame: chain.frame)], sideAtFault: .client)
        }
        return nil
    }
}
