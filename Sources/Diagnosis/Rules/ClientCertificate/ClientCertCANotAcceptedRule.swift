import WireCore
import Connections
import X509Inspect

/// CLIENT-CERT-CA-NOT-ACCEPTED: the device's certificate does not chain to any CA the server asked for.
public struct ClientCertCANotAcceptedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .clientCertCANotAccepted }
    public var severity: Severity { .error }
    public var rank: Int { 23 }
    public var summary: String { "The device's certificate is not from any CA in the server's acceptable-CA list." }
    public var details: String {
        """
        The server's CertificateRequest lists the CAs whose client certificates it accepts. The device's \
        certificate chain names none of them, so the server will not accept it (and many clients would not even \
        offer it). Fix: add the device vendor's CA to the server's trusted client CAs, or install on the device a \
        certificate from a listed CA.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let chain = ctx.analyzed.clientChain, chain.acceptableCAMatch == false else { return nil }
        let rejected = ctx.serverCertificateAlert != nil || !ctx.connection.established
        let issuer = ctx.issuerToTrust(chain) ?? chain.leaf?.issuer ?? "its issuer"
        return Finding(rule: id, severity: rejected ? .error : .warning, confidence: .high,
                       title: "Device certificate not from a CA the server accepts",
                       explanation: "\(ctx.serverCapitalized) accepts client certificates from: \(chain.acceptableCANames.joined(separator: "; ")). \(ctx.deviceCapitalized) sent a certificate chaining to \(issuer), which is not in that list.",
                       remediation: ctx.remediation(.clientCertRejected, generic: "Add \(issuer) (the device vendor's CA chain) to the server's trusted client CAs, or install on the device a client certificate from one of: \(chain.acceptableCANames.joined(separator: "; ")).", values: ["issuer": issuer]),
                       frames: [ctx.tls.certificateRequest?.frame, chain.frame].compactMap { $0 },
                       evidence: chain.acceptableCANames.map { Evidence("acceptable CA", $0, frame: ctx.tls.certificateRequest?.frame) } + ctx.chainEvidence(chain, label: "client certificate"),
                       sideAtFault: .server)
    }
}
