import WireCore
import Connections

/// TCP-REFUSED: SYN answered by RST — nothing listens on that port.
public struct TCPRefusedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .tcpRefused }
    public var severity: Severity { .error }
    public var rank: Int { 9 }
    public var summary: String { "The server refused the TCP connection (RST): nothing listens on that port." }
    public var details: String {
        """
        The server (or a firewall in front of it) answered the device's SYN with a TCP reset: no service listens \
        on that address and port, or a firewall rejects it. Typical: SIP over TLS configured on 5061 while the server \
        listens for TLS elsewhere (or only for plaintext on 5060); HTTPS provisioning to a server without HTTPS.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        let t = ctx.connection.tcp
        guard let syn = t.syn, t.synAck == nil, let rst = t.rsts.first(where: { $0.sender == .server }) else { return nil }
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: Text.write("Connection refused by \(ctx.connection.server): nothing listens on port \(ctx.connection.server.port)"),
                       explanation: Text.write("\(ctx.deviceCapitalized) sent a SYN to \(ctx.connection.server) (\(ctx.service)) and the server side answered with a TCP reset: no service is listening on that address and port, or a firewall rejects the connection. No TLS was attempted."),
                       remediation: ctx.remediation(id, generic: "Check the port the device uses against the port the server listens on (SIP over TLS is usually 5061, HTTPS 443); start or enable the TLS listener on the server; check firewall REJECT rules."),
                       frames: [syn.frame, rst.frame],
                       evidence: [Evidence("SYN", "from the client", frame: syn.frame), Evidence("RST", "from the server", frame: rst.frame)],
                       sideAtFault: .server)
    }
}
