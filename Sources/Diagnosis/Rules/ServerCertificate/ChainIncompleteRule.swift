import WireCore
import Connections
import X509Inspect

/// CHAIN-INCOMPLETE: the server did not send the intermediate(s) its leaf needs.
public struct ChainIncompleteRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .chainIncomplete }
    public var severity: Severity { .error }
    public var rank: Int { 21 }
    public var summary: String { "The server sent an incomplete chain: an intermediate CA certificate is missing." }
    public var details: String {
        """
        The server's Certificate message lacks an intermediate: the issuer of a sent certificate is neither sent \
        nor in the trust store. Browsers often hide this by fetching or caching intermediates; embedded devices do \
        not, and fail with unknown_ca. tlsdiag never borrows an intermediate seen in another connection. Fix on \
        the server: configure the full chain (leaf + intermediates, e.g. fullchain.pem), not only the leaf.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.hasServerIssue(.incompleteChain), let issue = ctx.missingIntermediate, let chain = ctx.analyzed.serverChain else { return nil }
        // The device accepted the chain: without its trust store we cannot say what it lacked.
        if ctx.connection.established && !ctx.trust.clientTrustExplicit { return nil }
        let (sev, follows) = ctx.serverProblemSeverity(id)
        let missing = issue.missingIssuer ?? "an intermediate CA"
        let keyID = issue.missingIssuerKeyID.map { " (key identifier \($0))" } ?? ""
        var f = Finding(rule: id, severity: sev, confidence: ctx.trust.clientTrustExplicit ? .high : .medium,
                        title: "Incomplete chain: the server did not send the intermediate \(missing)",
                        explanation: "\(ctx.serverCapitalized) sent \(chain.certificates.count) certificate\(chain.certificates.count == 1 ? "" : "s") (frame \(chain.frame)), but the issuer of certificate \(issue.certificateIndex ?? 0), \(missing)\(keyID), is missing from the chain and from \(ctx.storeDescription). A device that does not fetch intermediates cannot build the chain." + ctx.acceptedAnywayNote,
                        remediation: ctx.remediation(id, generic: "Configure the server to send its complete chain (the leaf certificate followed by the intermediate \(missing)), e.g. a fullchain.pem. Uploading the intermediate to the device's trusted certificates also works, but fixing the server fixes every client.", values: ["missing": missing]),
                        frames: [chain.frame], evidence: [Evidence("missing issuer", missing + keyID, frame: chain.frame)] + ctx.chainEvidence(chain, label: "server certificate"),
                        sideAtFault: .server)
        f.followsFrom = follows
        return f
    }
}
