import WireCore
import Connections

/// CAPTURE-GAP: TCP bytes that never made it into the capture (mirror port or capture overload).
public struct CaptureGapRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .captureGap }
    public var severity: Severity { .warning }
    public var rank: Int { 6 }
    public var summary: String { "The capture missed TCP bytes of this connection (mirror port or capture tool dropped packets)." }
    public var details: String {
        """
        A hole in the TCP sequence numbers that was never filled: the peer acknowledged bytes that the capture \
        does not contain. Switch mirror ports drop packets under load (the mirror carries both directions of a \
        port into one), and so do busy capture PCs. tlsdiag carries on after the hole (it finds the next TLS record), \
        but whatever was in the hole is unknown, so findings on this connection are less certain. Fix: capture again, \
        with a dedicated capture PC, a less loaded mirror (only the device's port), or a capture on the device side.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        let t = ctx.connection.tcp
        // Snaplen cuts are reported by their own rule; a gap is a hole beyond them.
        let clientGap = t.client.gapBytes - t.client.truncatedBytes
        let serverGap = t.server.gapBytes - t.server.truncatedBytes
        guard clientGap > 0 || serverGap > 0 else { return nil }
        let gaps = t.gaps.filter { g in (g.side == .client ? clientGap : serverGap) > 0 }
        let sides = [clientGap > 0 ? "\(clientGap) bytes from the client" : nil, serverGap > 0 ? "\(serverGap) bytes from the server" : nil]
            .compactMap { $0 }.joined(separator: " and ")
        var evidence = gaps.prefix(6).map { Evidence("gap", "\($0.bytes) bytes from the \($0.side.rawValue) missing", frame: $0.frame) }
        let fragments = ctx.connection.anomalies.filter { $0.kind == .ipFragment }
        if !fragments.isEmpty {
            // The bytes are in the file, inside IP fragments that are counted but not reassembled.
            evidence += fragments.prefix(4).map { Evidence("IP fragment", $0.detail, frame: $0.frame) }
            return Finding(rule: id, severity: .info, confidence: .high,
                           title: "\(sides) travelled in IP fragments, which are not reassembled",
                           explanation: "The connection's packets were fragmented at the IP layer (a path with a small MTU, and packets sent without Don't-Fragment). tlsdiag counts fragments but does not reassemble them, so \(sides) are treated as missing; what they carried is not analysed.",
                           remediation: "Usually harmless, but fragmented TLS handshakes often get dropped by firewalls: check the MTU along the path (a VPN or PPPoE link), or capture where packets are not fragmented.",
                           frames: gaps.map(\.frame) + fragments.compactMap(\.frame), evidence: evidence)
        }
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: "The capture is missing \(sides)",
                       explanation: "TCP sequence numbers show \(sides) that the peer received but the capture does not contain. The analysis continued after the hole, but what the missing bytes said is unknown.",
                       remediation: "Capture again without loss: a dedicated capture PC, mirror only the device's port, or capture on the server.",
                       frames: gaps.map(\.frame), evidence: Array(evidence))
    }
}
