import WireCore
import Connections
import X509Inspect

/// CHAIN-UNTRUSTED: the server chain does not lead to a root in the trust store the engineer named.
public struct ChainUntrustedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .chainUntrusted }
    public var severity: Severity { .error }
    public var rank: Int { 23 }
    public var summary: String { "The server's chain ends in a root that the named client trust store does not contain." }
    public var details: String {
        """
        With --client-trust (the device's trusted folder), the server chain is complete but ends at a root CA \
        that store lacks. The device cannot trust it until that root (named in the finding) is uploaded to its \
        trusted certificates — or the server uses a certificate from a CA the device trusts. Without \
        --client-trust, chains are checked against the system store and this rule stays quiet (a private CA is \
        normal for SIP servers); name the device's store to get this verdict.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.trust.clientTrustExplicit, let issue = ctx.serverIssue(.untrustedRoot) ?? ctx.missingRoot, let chain = ctx.analyzed.serverChain else { return nil }
        let (sev, follows) = ctx.serverProblemSeverity(id)
        let root = issue.missingIssuer ?? ctx.issuerToTrust(chain) ?? "the chain's root CA"
        var f = Finding(rule: id, severity: sev, confidence: .high,
                        title: "Server chain not trusted by \(ctx.trust.clientTrust.label): root \(root)",
                        explanation: "The server's chain (frame \(chain.frame)) leads to \(root), which is not in \(ctx.storeDescription)." + ctx.acceptedAnywayNote,
                        remediation: ctx.remediation(id, generic: "Upload \(root) to the device's trusted certificates, or give the server a certificate from a CA the device trusts.", values: ["issuer": root]),
                        frames: [chain.frame], evidence: ctx.chainEvidence(chain, label: "server certificate"), sideAtFault: .client)
        f.followsFrom = follows
        return f
    }
}
