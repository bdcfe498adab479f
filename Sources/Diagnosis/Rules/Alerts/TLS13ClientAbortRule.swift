import WireCore
import TLSWire
import Connections

/// TLS13-CLIENT-ABORT: a TLS 1.3 client aborted after the server's encrypted flight (no keys to see why).
public struct TLS13ClientAbortRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .tls13ClientAbort }
    public var severity: Severity { .error }
    public var rank: Int { 26 }
    public var summary: String { "A TLS 1.3 client aborted after the server's encrypted flight: most likely it rejected the (encrypted) certificate." }
    public var details: String {
        """
        TLS 1.3 encrypts the server's certificate and most alerts. The client's first encrypted record after the \
        server's flight has the size of an alert (19 bytes: 2-byte alert + content type + 16-byte AEAD tag) \
        and the connection closes: the client aborted. By far the most common reason is that it rejected the \
        server's certificate (untrusted CA, expired, name mismatch, device clock). What the capture cannot show: \
        which alert it was and what the certificate is. To see it: give tlsdiag/Wireshark a key log \
        (SSLKEYLOGFILE), or reproduce with TLS 1.2, where the certificate travels in the clear.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let inf = ctx.connection.tls13, inf.clientFlight == .alert, let f = inf.clientFlightFrame else { return nil }
        let end = ctx.connection.tcp.fins.first { $0.sender == .client && $0.frame >= f } ?? ctx.connection.tcp.rsts.first { $0.frame >= f }
        return Finding(rule: id, severity: severity, confidence: .medium,
                       title: "TLS 1.3: the device aborted after the server's encrypted certificate",
                       explanation: "The connection negotiated TLS 1.3 (ServerHello frame \(ctx.tls.serverHello?.frame ?? 0)), so the server's certificate is encrypted. \(ctx.deviceCapitalized)'s first encrypted record (frame \(f)) is 19 bytes — the size of an alert, not of a Finished (53 or 69 bytes)\(end.map { ", and the connection closed (frame \($0.frame))" } ?? ""). The device aborted the handshake; most likely it rejected the server's certificate (untrusted CA, expired, name mismatch, or a wrong device clock). The capture alone cannot tell which.",
                       remediation: ctx.remediation(.serverCertRejected, generic: "Check the server certificate against the device's trust store (is the issuing CA installed on the device? is the certificate valid and for the right name?). To see the exact alert and certificate, capture with a key log (SSLKEYLOGFILE) or force TLS 1.2 on the server for a test.", values: ["issuer": "the server certificate's issuing CA"]),
                       frames: [ctx.tls.serverHello?.frame, f, end?.frame].compactMap { $0 },
                       evidence: [Evidence("client's first encrypted record", "19 bytes (alert-sized)", frame: f)] + (ctx.tls.encryptedRecords.prefix(8).map { Evidence("record", "\($0.sender.rawValue) \($0.length) bytes", frame: $0.frame) }),
                       sideAtFault: nil)
    }
}
