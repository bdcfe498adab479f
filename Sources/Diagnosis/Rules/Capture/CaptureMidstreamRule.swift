import WireCore
import Connections

/// CAPTURE-MIDSTREAM: the connection started before the capture.
public struct CaptureMidstreamRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .captureMidstream }
    public var severity: Severity { .warning }
    public var rank: Int { 7 }
    public var summary: String { "The connection began before the capture started (no TCP handshake captured)." }
    public var details: String {
        """
        No SYN was captured for this connection, so it began before the capture. If the TLS handshake was also \
        before the capture, nothing about it can be said; tlsdiag still analyses the records it sees. Fix: start \
        the capture first, then make the device connect (reboot it, re-register SIP, trigger provisioning).
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Fields read through the context until the rule fires (a local copy of the connection cost a ~1.5 KB
        // memcpy for every connection).
        guard ctx.connection.tcp.startedBeforeCapture,
              ctx.connection.tcp.client.payloadBytes + ctx.connection.tcp.server.payloadBytes > 0 else { return nil }
        let c = ctx.connection
        let sawHello = c.tls.clientHello != nil
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: sawHello ? "Connection began before the capture (its TLS handshake was captured)"
                                       : "Connection began before the capture: its TLS handshake is not in the file",
                       explanation: sawHello
                           ? "No TCP SYN was captured, but the TLS handshake that followed was; the handshake analysis is complete."
                           : "No TCP SYN and no TLS hello were captured: the connection and its handshake happened before the capture started. Only \(c.tls.clientAppDataRecords + c.tls.serverAppDataRecords) encrypted records were seen.",
                       remediation: "Start the capture before the device connects (reboot it, re-register, or trigger provisioning), then capture again.",
                       frames: [c.firstFrame])
    }
}
