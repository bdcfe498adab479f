import WireCore
import Connections

/// HOSTNAME-MISMATCH: the name the device asked for (SNI or --expect-host) is not in the certificate.
public struct HostnameMismatchRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .hostnameMismatch }
    public var severity: Severity { .error }
    public var rank: Int { 19 }
    public var summary: String { "The server certificate does not cover the name the device connected to (SNI / configured name)." }
    public var details: String {
        """
        The name the device asked for — the SNI in its ClientHello, or the name given with --expect-host when \
        the device dials an IP address — is not among the certificate's DNS/IP subject alternative names (or its \
        CN, when it has no SANs). Wildcards cover one label. Fix: configure the device with a name the certificate \
        covers (not an IP address unless the certificate has that IP SAN), or add the name to the certificate.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let chain = ctx.analyzed.serverChain, chain.hostnameMatches == false, let name = chain.hostnameChecked,
              let leaf = chain.leaf else { return nil }
        let (sev, follows) = ctx.serverProblemSeverity(id)
        let names = leaf.subjectAltNames.map(\.description)
        let covered = names.isEmpty ? "CN=\(leaf.subjectCommonName ?? "-") (no SANs)" : names.joined(separator: ", ")
        var f = Finding(rule: id, severity: sev, confidence: .high,
                        title: "Certificate does not cover \(name) (\(chain.hostnameSource ?? "name"))",
                        explanation: "\(ctx.deviceCapitalized) asked for \(name) (\(chain.hostnameSource ?? "name")), but the server's certificate \(leaf.subject) (frame \(chain.frame)) is valid for \(covered)." + ctx.acceptedAnywayNote,
                        remediation: ctx.remediation(id, generic: "Configure the device with a server name the certificate covers (\(covered)), or issue the server a certificate that includes \(name).", values: ["name": name]),
                        frames: [chain.frame] + (ctx.tls.clientHello.map { [$0.frame] } ?? []),
                        evidence: [Evidence("name asked for", "\(name) (\(chain.hostnameSource ?? ""))", frame: ctx.tls.clientHello?.frame), Evidence("certificate names", covered, frame: chain.frame)],
                        sideAtFault: nil)
        f.followsFrom = follows
        return f
    }
}
