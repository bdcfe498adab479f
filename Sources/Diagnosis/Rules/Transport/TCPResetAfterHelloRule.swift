import WireCore
import TLSWire
import Connections

/// TCP-RESET-AFTER-HELLO: the server dropped the connection right after the ClientHello, without an alert.
public struct TCPResetAfterHelloRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .tcpResetAfterHello }
    public var severity: Severity { .error }
    public var rank: Int { 27 }
    public var summary: String { "The connection was reset or closed right after the ClientHello, with no TLS alert." }
    public var details: String {
        """
        The device sent its ClientHello and the server side ended the TCP connection (RST or FIN) without a \
        ServerHello and without a TLS alert. Servers do this when they cannot accept the hello at all: no common \
        TLS version or cipher suite on stacks that don't send alerts, an unknown SNI name, a TLS listener that \
        expects something else, or an intrusion-prevention system / load balancer in between. The ClientHello's \
        offer is listed so it can be compared with the server's configuration and logs.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Read through the context until the rule may fire (a local copy of the connection cost a ~1.5 KB
        // memcpy for every connection).
        guard ctx.tls.serverHello == nil else { return nil }
        let c = ctx.connection
        guard let ch = c.tls.clientHello, c.tls.serverHello == nil, c.tls.helloRetryRequest == nil,
              c.tls.alerts.isEmpty, c.tls.serverPlaintext == nil,
              !TLSOnPlaintextPortRule.plaintextPorts.contains(c.server.port) else { return nil }
        let ender = c.tcp.rsts.first { $0.frame >= ch.frame } ?? c.tcp.fins.first { $0.frame >= ch.frame }
        guard let end = ender else { return nil }
        let how = c.tcp.rsts.contains { $0.frame == end.frame } ? "reset (RST)" : "closed (FIN)"
        let hello = ch.value
        let offer = "offered \(hello.offeredVersions.map(\.description).joined(separator: ", ")), \(hello.cipherSuites.filter { !$0.isGREASE }.count) cipher suites" + (hello.serverName.map { ", SNI \($0)" } ?? ", no SNI")
        return Finding(rule: id, severity: severity, confidence: end.sender == .server ? .medium : .low,
                       title: "The \(end.sender.rawValue) \(how) the connection right after the ClientHello, without a TLS alert",
                       explanation: "\(ctx.deviceCapitalized) sent a ClientHello (frame \(ch.frame); \(offer)) and the \(end.sender.rawValue) \(how) the connection (frame \(end.frame)) without answering with a ServerHello or an alert. The server (or a device in front of it) refused the hello silently; the usual reasons are no common TLS version or cipher suite, an unknown server name, or a firewall/IPS/load balancer that blocks the connection.",
                       remediation: ctx.remediation(id, generic: "Look at the server's TLS log for this time; compare the ClientHello's versions and cipher suites (in the evidence) with the server's configuration; check middleboxes (IPS, load balancer) between device and server."),
                       frames: [ch.frame, end.frame],
                       evidence: [Evidence("ClientHello", offer, frame: ch.frame),
                                  Evidence("cipher suites offered", hello.cipherSuites.filter { !$0.isGREASE }.map(\.description).joined(separator: ", "), frame: ch.frame),
                                  Evidence(how, "from the \(end.sender.rawValue)", frame: end.frame)],
                       sideAtFault: end.sender)
    }
}
