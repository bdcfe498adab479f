import WireCore
import Connections
import X509Inspect

/// CERT-EXPIRED: a certificate (server's, or the client's) expired before the capture.
public struct CertExpiredRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .certExpired }
    public var severity: Severity { .error }
    public var rank: Int { 18 }
    public var summary: String { "A certificate in the chain had expired at the time of the capture." }
    public var details: String {
        """
        A certificate the server (or the device, in mutual TLS) sent was past its notAfter date at the capture \
        time (or at --at). Validating peers refuse it with certificate_expired. Fix: renew the certificate. If the \
        certificate looks valid and the peer still says certificate_expired, see CLIENT-CLOCK-WRONG.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        ValidityFinding.make(ctx, id: id, kind: .expired, word: "expired", when: "before")
    }
}

/// CERT-NOT-YET-VALID: a certificate's validity starts after the capture.
public struct CertNotYetValidRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .certNotYetValid }
    public var severity: Severity { .error }
    public var rank: Int { 18 }
    public var summary: String { "A certificate in the chain was not yet valid at the time of the capture." }
    public var details: String {
        """
        A certificate's notBefore lies after the capture time: it was issued with a future start date, or the \
        clock of the machine that issued it was ahead. Validating peers refuse it (OpenSSL sends certificate_expired \
        for this too). Fix: reissue it with a correct start date, or wait until it becomes valid.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        ValidityFinding.make(ctx, id: id, kind: .notYetValid, word: "not yet valid", when: "after")
    }
}

enum ValidityFinding {
    static func make(_ ctx: RuleContext, id: RuleID, kind: ChainIssue.Kind, word: String, when: String) -> Finding? {
        // Nothing to build (not even the list below) without such an issue in either chain.
        guard ctx.hasServerIssue(kind) || ctx.hasClientIssue(kind) else { return nil }
        // Server chain first; the client's chain (mutual TLS) when the server's is fine.
        for (chain, isServer) in [(ctx.analyzed.serverChain, true), (ctx.analyzed.clientChain, false)] {
            guard let chain, let issue = chain.verdict.issues.first(where: { $0.kind == kind }) else { continue }
            let idx = issue.certificateIndex ?? 0
            let cert = idx < chain.certificates.count ? chain.certificates[idx].summary : nil
            let name = cert?.subject ?? "certificate \(idx)"
            let by = issue.byHowMuchSeconds.map { " by \(Timestamp.humanDuration(seconds: $0))" } ?? ""
            let dates = cert.map { " (valid \($0.notBefore.rfc3339Seconds) to \($0.notAfter.rfc3339Seconds))" } ?? ""
            let at = ctx.trust.at != nil ? "at the time given with --at (\(chain.judgedAt.rfc3339Seconds))" : "at the capture time (\(chain.judgedAt.rfc3339Seconds))"
            let owner = isServer ? ctx.server : ctx.device
            var sev: Severity
            var follows: RuleID?
            if isServer { (sev, follows) = ctx.serverProblemSeverity(id) } else {
                sev = ctx.serverCertificateAlert != nil ? .error : .warning
                follows = nil
            }
            if !isServer && ctx.connection.established { sev = .warning }
            let holder = idx == 0 ? "The certificate" : "Certificate \(idx) of the chain"
            var f = Finding(rule: id, severity: sev, confidence: .high,
                            title: Text.write("\(isServer ? "Server" : "Client") certificate \(word): \(name)"),
                            explanation: Text.write("\(holder) sent by \(owner) (\(name)\(dates), frame \(chain.frame)) was \(word) \(at)\(by).") + (isServer ? ctx.acceptedAnywayNote : ""),
                            remediation: ctx.remediation(id, generic: isServer ? "Renew the server certificate (\(name)) and install the new one on the server." : "Renew the device's client certificate.", values: ["subject": name]),
                            frames: [chain.frame], evidence: [Evidence(word, issue.detail, frame: chain.frame)], sideAtFault: isServer ? .server : .client)
            f.followsFrom = follows
            return f
        }
        return nil
    }
}
