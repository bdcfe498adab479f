import WireCore
import Connections

/// CAPTURE-SNAPLEN-TRUNCATED: packets cut by the capture's snapshot length.
public struct CaptureSnaplenTruncatedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .captureSnaplenTruncated }
    public var severity: Severity { .warning }
    public var rank: Int { 5 }
    public var summary: String { "Packets were cut short by the capture's snapshot length; handshake bytes are missing." }
    public var details: String {
        """
        The capture tool saved only the first N bytes of each packet (tcpdump -s N, or a switch/probe slicing \
        setting). TLS handshake messages (certificates especially) span full-size packets, so their content is \
        missing and certificate checks cannot be done. Fix: capture again without slicing: tcpdump -s 0 (the \
        default in modern tcpdump), Wireshark without "Limit each packet", or the probe's full-packet setting.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        let t = ctx.connection.tcp
        let segs = t.client.truncatedSegments + t.server.truncatedSegments
        guard segs > 0 else { return nil }
        let bytes = t.client.truncatedBytes + t.server.truncatedBytes
        let first = [t.client.firstTruncatedFrame, t.server.firstTruncatedFrame].compactMap { $0 }.min()
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: "\(segs) packets cut by the capture's snaplen (\(bytes) bytes not saved)",
                       explanation: "The capture saved only the start of \(segs) packets of this connection; \(bytes) bytes of TLS data were on the wire but are not in the file\(first.map { ", starting at frame \($0)" } ?? ""). Anything in those bytes (certificates, alerts) cannot be read from this capture.",
                       remediation: "Capture again with full packets: tcpdump -s 0 (or without -s), Wireshark without \"Limit each packet\".",
                       frames: first.map { [$0] } ?? [])
    }
}
