import WireCore
import Connections
import X509Inspect

/// CERT-SELF-SIGNED: the server's certificate is self-signed.
public struct CertSelfSignedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .certSelfSigned }
    public var severity: Severity { .error }
    public var rank: Int { 22 }
    public var summary: String { "The server uses a self-signed certificate, which a device trusts only if that exact certificate is installed." }
    public var details: String {
        """
        The server's certificate is signed by its own key. No CA vouches for it, so a validating client must have \
        that very certificate in its trusted store. Fix: upload the server's certificate to the device's trusted \
        certificates, or replace it with one issued by a CA the device trusts.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.hasServerIssue(.selfSignedLeaf), let chain = ctx.analyzed.serverChain, let leaf = chain.leaf else { return nil }
        let (sev, follows) = ctx.serverProblemSeverity(id)
        var f = Finding(rule: id, severity: sev, confidence: .high,
                        title: Text.write("Self-signed server certificate: \(leaf.subject)"),
                        explanation: Text.write("\(ctx.serverCapitalized) presented a self-signed certificate (\(leaf.subject), frame \(chain.frame)); no CA vouches for it.") + ctx.acceptedAnywayNote,
                        remediation: ctx.remediation(id, generic: "Upload this server certificate to the device's trusted certificates, or give the server a certificate issued by a CA the device trusts.", values: ["issuer": leaf.subject]),
                        frames: [chain.frame], evidence: ctx.chainEvidence(chain, label: "server certificate"), sideAtFault: .server)
        f.followsFrom = follows
        return f
    }
}
