import WireCore
import TLSWire
import Connections

/// TLS-ON-PLAINTEXT-PORT: a ClientHello answered by plaintext, or sent to a plaintext port.
public struct TLSOnPlaintextPortRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .tlsOnPlaintextPort }
    public var severity: Severity { .error }
    public var rank: Int { 8 }
    public var summary: String { "The device spoke TLS to a server port that expects plaintext (SIP 5060, HTTP 80)." }
    public var details: String {
        """
        The device sent a TLS ClientHello and the server answered in plaintext (e.g. "SIP/2.0 400 Bad Request", \
        "HTTP/1.1 400"), or closed the connection on a port that normally carries plaintext (5060, 80). The device \
        is set to TLS but points at the server's plaintext port, or the server has no TLS listener there.
        """
    }
    static let plaintextPorts: Set<UInt16> = [5060, 80, 8080, 21, 23, 25, 110, 143]

    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Read through the context until the rule may fire (a local copy of the connection cost a ~1.5 KB
        // memcpy for every connection).
        guard ctx.tls.serverHello == nil else { return nil }
        let c = ctx.connection
        guard let ch = c.tls.clientHello, c.tls.serverHello == nil else { return nil }
        if let p = c.tls.serverPlaintext {
            let proto = PlaintextProtocol.guess(p.value) ?? "plaintext"
            let line = PlaintextProtocol.firstLine(p.value)
            return finding(ctx, ch: ch.frame, extra: "The server answered in plaintext \(proto): \"\(line)\" (frame \(p.frame)).",
                           frames: [ch.frame, p.frame], evidence: [Evidence("server's answer", line, frame: p.frame)], confidence: .high)
        }
        guard Self.plaintextPorts.contains(c.server.port), c.tls.alerts.isEmpty else { return nil }
        let end = c.tcp.rsts.first ?? c.tcp.fins.first
        return finding(ctx, ch: ch.frame, extra: "Port \(c.server.port) normally carries plaintext, and the server did not answer with TLS" + (end.map { " (it closed the connection, frame \($0.frame))" } ?? "") + ".",
                       frames: [ch.frame] + (end.map { [$0.frame] } ?? []), evidence: [], confidence: .medium)
    }

    func finding(_ ctx: RuleContext, ch: Int, extra: String, frames: [Int], evidence: [Evidence], confidence: Confidence) -> Finding {
        let port = ctx.connection.server.port
        let fix = port == 5060 ? "Point the device's SIP over TLS at the server's TLS port (usually 5061), or enable TLS on the server's port \(port)."
            : port == 80 || port == 8080 ? "Use the server's HTTPS port (443) for https:// provisioning, or enable TLS on the server."
            : "Use the server's TLS port, or enable TLS on port \(port)."
        return Finding(rule: id, severity: severity, confidence: confidence,
                       title: "TLS sent to plaintext port \(port)",
                       explanation: "\(ctx.deviceCapitalized) started a TLS handshake (ClientHello, frame \(ch)) with \(ctx.connection.server), which does not speak TLS on that port. \(extra)",
                       remediation: ctx.remediation(id, generic: fix),
                       frames: frames, evidence: [Evidence("ClientHello", "sent to port \(port)", frame: ch)] + evidence, sideAtFault: .client)
    }
}
