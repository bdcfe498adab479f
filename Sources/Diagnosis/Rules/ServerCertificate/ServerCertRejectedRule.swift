import WireCore
import TLSWire
import Connections
import X509Inspect

/// SERVER-CERT-REJECTED: the device refused the server's certificate.
public struct ServerCertRejectedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .serverCertRejected }
    public var severity: Severity { .error }
    public var rank: Int { 25 }
    public var summary: String { "The client (device) rejected the server's certificate (unknown_ca, bad_certificate, certificate_unknown, …)." }
    public var details: String {
        """
        After the server's Certificate, the TLS client sent a fatal certificate alert: unknown_ca (it does not \
        trust the issuing CA), bad_certificate / certificate_unknown (a check failed: often the host name), \
        unsupported_certificate (key usage), certificate_expired (by the client's clock). The finding names the \
        issuer the device must trust and, when the chain shows it, the underlying cause (missing intermediate, \
        self-signed, expired, name mismatch, wrong key usage, wrong device clock), which is reported first. \
        Usual fix: upload the issuing root CA to the device's trusted certificates, or make the server send a \
        complete chain from a CA the device already trusts.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let a = ctx.clientCertificateAlert, let d = a.description else { return nil }
        let chain = ctx.analyzed.serverChain
        let issuer = ctx.issuerToTrust(chain)
        let cause = ctx.serverRejectionCause
        var explanation = Text.write("\(ctx.deviceCapitalized) rejected the certificate of \(ctx.server) (\(ctx.service)): it sent a fatal alert (frame \(a.frame)) after the server's certificate — \(AlertSemantics.meaning(d)).")
        if ctx.tls.isTLS13 && ctx.tls.serverCertificate == nil {
            explanation += " The connection is TLS 1.3, so the certificate itself is encrypted in the capture; only the alert is visible."
        }
        if let issuer, d == .unknownCA || cause == nil {
            explanation += Text.write(" The device must trust the issuer \(issuer).")
        }
        if let chain, chain.verdict.status == .trusted, d == .unknownCA {
            explanation += Text.write(" The chain does verify against \(ctx.storeDescription), so the device's own trust store lacks that CA.")
        }
        if let cause { explanation += Text.write(" The chain shows why: see \(cause.rawValue).") }
        let fix = ctx.remediation(id, generic: issuer.map { "Install the CA that issued the server certificate (\($0)) in the device's trusted certificates, or give the server a certificate from a CA the device already trusts, sent with its complete chain." }
            ?? "Install the CA that issued the server certificate in the device's trusted certificates, or use a server certificate from a CA the device trusts.",
            values: ["issuer": issuer ?? "the issuing CA"])
        var f = Finding(rule: id, severity: severity, confidence: ctx.tls.serverCertificate != nil ? .high : .medium,
                        title: Text.write("The device rejected the server's certificate (\(d))"),
                        explanation: explanation, remediation: fix,
                        frames: [ctx.tls.serverCertificate?.frame, a.frame].compactMap { $0 },
                        evidence: [ctx.alertEvidence(a)] + ctx.chainEvidence(chain, label: "server certificate"),
                        sideAtFault: .server)
        f.followsFrom = cause
        return f
    }
}
