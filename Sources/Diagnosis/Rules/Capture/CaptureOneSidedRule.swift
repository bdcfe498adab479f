import WireCore
import Connections

/// CAPTURE-ONE-SIDED: only one direction of the connection is in the capture.
public struct CaptureOneSidedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .captureOneSided }
    public var severity: Severity { .warning }
    public var rank: Int { 4 }
    public var summary: String { "Only one direction of the connection was captured (one-sided mirror port)." }
    public var details: String {
        """
        The capture holds packets from one side only, although the other side evidently answered (the first side \
        sends data, which TCP allows only after the peer's SYN-ACK). Mirror ports configured for ingress or egress \
        only, or asymmetric routing, do this. What the other side said (its certificate, its alerts) cannot be \
        read. Fix: mirror both directions (rx and tx) of the device's port.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        let t = ctx.connection.tcp
        let clientData = t.client.payloadBytes > 0
        let serverData = t.server.payloadBytes > 0
        let missing: String
        if t.sawClientPackets && !t.sawServerPackets && (clientData || t.synAck != nil) { missing = "server" }
        else if t.sawServerPackets && !t.sawClientPackets && (serverData || t.syn != nil) { missing = "client" }
        else { return nil }
        let seen = missing == "server" ? "client" : "server"
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: "Only the \(seen)'s packets were captured",
                       explanation: "The capture has packets from the \(seen) (\(ctx.connection.tcp.stats(missing == "server" ? .client : .server).segments) segments) but none from the \(missing), although the \(missing) must have answered for the \(seen) to send data. What the \(missing) sent cannot be judged from this capture.",
                       remediation: "Configure the mirror (SPAN) session to copy both directions (rx and tx) of the device's switch port, then capture again.",
                       frames: [ctx.connection.firstFrame])
    }
}
