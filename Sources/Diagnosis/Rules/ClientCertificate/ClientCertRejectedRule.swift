import WireCore
import TLSWire
import Connections
import X509Inspect

/// CLIENT-CERT-REJECTED: the server refused the device's certificate.
public struct ClientCertRejectedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .clientCertRejected }
    public var severity: Severity { .error }
    public var rank: Int { 24 }
    public var summary: String { "The server rejected the device's client certificate: it must install the device vendor's CA chain." }
    public var details: String {
        """
        The device sent its certificate (mutual TLS) and the server answered with a fatal certificate alert \
        (unknown_ca, bad_certificate, certificate_unknown, certificate_expired, …). Most often the server does not \
        trust the CA that issued the device certificate: a vendor's factory device certificates are signed by the \
        vendor's own CA chain, which the SIP or provisioning server must install. The finding names that chain.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        var frames: [Int] = []
        var evidence: [Evidence] = []
        var confidence: Confidence = .high
        var what: String
        if let a = ctx.serverCertificateAlert, let d = a.description {
            frames = [ctx.tls.clientCertificate?.frame, a.frame].compactMap { $0 }
            evidence.append(ctx.alertEvidence(a))
            what = "answered with a fatal \(d) alert (frame \(a.frame)): \(AlertSemantics.meaning(d))"
        } else if let inf = ctx.connection.tls13, inf.clientFlight == .certificate, let f = inf.serverAlertAfterClientFlight,
                  ctx.tls.certificateRequest != nil || inf.clientFlightFrame != nil, ctx.tls.clientCertificate == nil,
                  ctx.analyzed.clientChain == nil, ctx.tls13SentCertificate {
            frames = [inf.clientFlightFrame, f].compactMap { $0 }
            confidence = .low
            what = "aborted with an encrypted alert right after the device's certificate flight (frame \(f))"
            evidence.append(Evidence("server abort", "19-byte encrypted record after the client's certificate flight", frame: f))
        } else {
            return nil
        }
        // Copied only now: copying the chain report first cost ~200 instructions for every connection.
        let chain = ctx.analyzed.clientChain
        let issuer = ctx.issuerToTrust(chain)
        let vendorChain = ctx.profile?.deviceCAChain ?? []
        var explanation = "\(ctx.deviceCapitalized) sent its client certificate\(chain?.leaf.map { " (\($0.subject), issued by \($0.issuer))" } ?? "") and \(ctx.server) \(what)."
        if let issuer { explanation += " The server must trust \(issuer)." }
        if let v = chain?.verdict, v.status != .notChecked {
            explanation += " Against \(v.storeLabel ?? "the server trust store you named") the device chain is \(v.status.rawValue)."
        }
        if let expired = chain?.verdict.issues.first(where: { $0.kind == .expired }) {
            explanation += " Note: the device certificate is expired (\(expired.detail))."
        }
        let fix = ctx.remediation(id, generic: "Install the CA chain that issued the device certificate" + (issuer.map { " (\($0))" } ?? "") + " on the server as trusted for client authentication" + (vendorChain.isEmpty ? "" : " (\(vendorChain.joined(separator: ", ")))") + ".",
                                  values: ["issuer": issuer ?? "the device's CA"])
        var f = Finding(rule: id, severity: severity, confidence: confidence,
                        title: "The server rejected the device's certificate",
                        explanation: explanation, remediation: fix, frames: frames,
                        evidence: evidence + ctx.chainEvidence(chain, label: "client certificate"), sideAtFault: .server)
        if chain?.acceptableCAMatch == false { f.followsFrom = .clientCertCANotAccepted }
        return f
    }
}

extension RuleContext {
    /// TLS 1.3: the client's first encrypted flight is larger than a Finished — it carried a certificate.
    var tls13SentCertificate: Bool { connection.tls13?.clientFlight == .certificate }
}
