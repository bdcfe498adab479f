import WireCore
import TLSWire
import Connections

/// HANDSHAKE-UNDECIDED: the handshake failed and the capture does not show why — said plainly,
/// with what would tell, instead of a guess.
public struct HandshakeUndecidedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .handshakeUndecided }
    public var severity: Severity { .warning }
    public var rank: Int { 95 }
    public var summary: String { "The handshake did not complete and the capture cannot show why (undecidable, with what to capture instead)." }
    public var details: String {
        """
        The connection failed, but no rule could name a cause: the decisive message is not in the capture \
        (one direction missing, packets cut or lost) or was encrypted. The finding says which side ended the \
        connection, at which point, what is missing from the capture, and how to capture it. It never guesses.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.connection.tls.sawTLS, !ctx.previous.contains(where: { $0.severity == .error }), ctx.failed else { return nil }
        let c = ctx.connection
        var why: [String] = []
        if !c.tcp.sawClientPackets { why.append("the client's packets are not in the capture") }
        if !c.tcp.sawServerPackets { why.append("the server's packets are not in the capture") }
        if c.tcp.client.truncatedSegments + c.tcp.server.truncatedSegments > 0 { why.append("packets were cut by the snaplen") }
        if c.tcp.client.gapBytes + c.tcp.server.gapBytes > 0 { why.append("TCP bytes are missing from the capture") }
        if c.tls.isTLS13 { why.append("TLS 1.3 encrypts the rest of the handshake") }
        if why.isEmpty { why.append("no alert was sent and nothing in the visible messages explains it") }
        let ender = c.tcp.rsts.first.map { "reset by the \($0.sender.rawValue) (frame \($0.frame))" }
            ?? c.tcp.fins.first.map { "closed by the \($0.sender.rawValue) (frame \($0.frame))" } ?? "ended"
        let last = c.transcript.last { if case .handshake = $0.event { return true }; return false }
        let point = last.map { e -> String in
            if case .handshake(let t, _) = e.event { return " after \(t.displayName) from the \(e.sender.rawValue) (frame \(e.frame))" }
            return ""
        } ?? ""
        var hint = "Capture again with both directions of the device's port mirrored, full packets (tcpdump -s 0), started before the device connects."
        if !c.tcp.sawClientPackets || !c.tcp.sawServerPackets, c.tls.serverCertificate != nil {
            hint = "Mirror both directions of the device's port and capture again. A client that closes right after the server's certificate most often rejected it: check the device's trusted CAs meanwhile."
        } else if c.tls.isTLS13 {
            hint = "Capture with a key log (SSLKEYLOGFILE) and pass it with --keylog, or force TLS 1.2 on the server for a test, so the decisive messages are readable."
        }
        return Finding(rule: id, severity: severity, confidence: .low,
                       title: "Handshake failed; the capture cannot show why",
                       explanation: "The connection was \(ender)\(point) without completing the handshake. Undecidable from this capture because \(why.joined(separator: ", ")).",
                       remediation: hint, frames: [c.tcp.rsts.first?.frame ?? c.tcp.fins.first?.frame ?? c.lastFrame, last?.frame].compactMap { $0 })
    }
}
