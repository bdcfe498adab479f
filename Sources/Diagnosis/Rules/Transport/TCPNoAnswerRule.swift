import WireCore
import Connections

/// TCP-NO-ANSWER: SYNs that nothing answered.
public struct TCPNoAnswerRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .tcpNoAnswer }
    public var severity: Severity { .error }
    public var rank: Int { 10 }
    public var summary: String { "The device's SYN was never answered (firewall drop, wrong address, or server down)." }
    public var details: String {
        """
        The TLS client sent TCP SYNs and nothing answered: no SYN-ACK, no RST. Usual causes: a firewall that \
        silently drops the port, a wrong server address in the device configuration, a server that is down, or a \
        routing problem. A one-sided mirror (only the device's transmit direction) looks the same: check that other \
        connections in the capture show both directions.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        let t = ctx.connection.tcp
        guard let syn = t.syn, t.synAck == nil, t.rsts.isEmpty, !t.sawServerPackets, t.client.payloadBytes == 0 else { return nil }
        let span = ctx.connection.endTime.difference(from: syn.time)
        let retried = t.synCount > 1
        return Finding(rule: id, severity: severity, confidence: retried ? .high : .medium,
                       title: "No answer from \(ctx.connection.server): \(t.synCount) SYN\(t.synCount == 1 ? "" : "s") over \(String(format1(span))) s",
                       explanation: "\(ctx.deviceCapitalized) tried to open a TCP connection to \(ctx.connection.server) (\(ctx.service)) \(t.synCount) time\(t.synCount == 1 ? "" : "s") and nothing answered — no SYN-ACK, no reset. The TLS handshake never started." + (retried ? "" : " Only one SYN was captured, so the capture may simply have ended too early."),
                       remediation: ctx.remediation(id, generic: "Check the server address and port configured on the device, that the server is up and listening on that address, and that firewalls between them allow TCP \(ctx.connection.server.port). If the mirror only copies the device's transmit direction, fix the mirror first."),
                       frames: [syn.frame], evidence: [Evidence("SYN", "\(t.synCount) SYN\(t.synCount == 1 ? "" : "s") to \(ctx.connection.server), none answered", frame: syn.frame)],
                       sideAtFault: .server)
    }
}

func format1(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    return String(r)
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
