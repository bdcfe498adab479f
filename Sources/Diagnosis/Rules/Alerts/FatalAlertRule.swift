import WireCore
import TLSWire
import Connections

/// FATAL-ALERT: any fatal alert that no more specific rule explained.
public struct FatalAlertRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .fatalAlert }
    public var severity: Severity { .error }
    public var rank: Int { 90 }
    public var summary: String { "A fatal alert not covered by a more specific rule: what it means, who sent it, when." }
    public var details: String {
        """
        Every fatal alert gets explained: its meaning, which side sent it and at which point of the handshake. \
        Encrypted alerts (after ChangeCipherSpec in TLS ≤ 1.2) are reported as such: their description is hidden, \
        but their timing still says who gave up when (e.g. right after the peer's Finished often means a key or \
        Finished mismatch, or a middlebox altering the handshake).
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // An alert is explained when an earlier error finding cites its frame (asked only of fatal alerts).
        func explained(_ frame: Int) -> Bool {
            ctx.previous.contains { $0.severity == .error && $0.frames.contains(frame) }
        }
        guard let a = ctx.tls.alerts.first(where: { ($0.level == .fatal || ($0.encrypted && $0.duringHandshake)) && !$0.inferred && !explained($0.frame) })
        else { return nil }
        let meaning = a.description.map { AlertSemantics.meaning($0) } ?? "the alert is encrypted, so its description is hidden"
        let peer = a.sender == .client ? ctx.server : ctx.device
        let sender = a.sender == .client ? ctx.device : ctx.server
        let name = a.description.map { "\($0)" } ?? "encrypted alert"
        var fix = "Look at \(sender)'s log at \(a.time.rfc3339) for why it sent \(name)."
        if let d = a.description {
            switch d {
            case .unrecognizedName: fix = "Configure the server with a certificate/virtual host for the name the device sends (SNI \(ctx.tls.serverName ?? "none")), or configure the device with a name the server knows."
            case .noApplicationProtocol: fix = "Align the ALPN protocols offered by the device with those the server accepts."
            case .decryptError, .badRecordMAC: fix = "Check for a middlebox (IPS, TLS inspection) altering the connection, and for clock/key mismatches; try without the middlebox."
            case .internalError: fix = "The \(a.sender.rawValue) failed internally: check its logs and configuration (certificate/key mismatch, missing key)."
            case .illegalParameter, .decodeError, .unexpectedMessage: fix = "A protocol incompatibility between the TLS stacks: check for firmware updates on the device and the server, and for middleboxes."
            default: break
            }
        }
        return Finding(rule: id, severity: a.duringHandshake ? .error : .warning, confidence: a.description == nil ? .medium : .high,
                       title: "Fatal \(name) from the \(a.sender.rawValue)" + (a.after.map { " after \($0)" } ?? ""),
                       explanation: "\(sender.capitalizedFirst) ended the connection with a fatal \(name) alert (frame \(a.frame))\(a.after.map { ", after \($0)" } ?? ""): \(meaning). It is \(peer)'s side of the exchange that \(sender) objected to.",
                       remediation: fix, frames: [a.frame], evidence: [ctx.alertEvidence(a)], sideAtFault: nil)
    }
}
