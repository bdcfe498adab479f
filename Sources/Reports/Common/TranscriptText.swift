import Connections
import TLSWire

/// Words for transcript events, shared by every renderer.
public enum TranscriptText {
    /// A short event name and an optional detail.
    public static func describe(_ e: TranscriptEntry.Event) -> (String, String?) {
        switch e {
        case .syn: return ("SYN", nil)
        case .synAck: return ("SYN-ACK", nil)
        case .fin: return ("FIN", nil)
        case .rst: return ("RST", nil)
        case .handshake(let t, let length): return (t.displayName, "\(length) bytes")
        case .helloRetryRequest: return ("HelloRetryRequest", nil)
        case .malformedHandshake(let t, let reason): return ("malformed \(t.displayName)", reason)
        case .encryptedHandshake(let length): return ("encrypted handshake (Finished)", "\(length)-byte record")
        case .changeCipherSpec: return ("ChangeCipherSpec", nil)
        case .alert(let level, let d): return ("Alert", "\(level) \(d)")
        case .encryptedAlert(let length): return ("encrypted Alert", "\(length)-byte record")
        case .applicationData(let records, let bytes): return ("application data", "\(records) record\(records == 1 ? "" : "s"), \(bytes) bytes")
        case .heartbeat(let length): return ("Heartbeat", "\(length) bytes")
        case .gap(let bytes): return ("capture gap", "\(bytes) bytes not captured")
        case .plaintext(let bytes): return ("plaintext (not TLS)", "first \(bytes) bytes")
        case .tlsAfterPlaintext(let bytes): return ("TLS starts (STARTTLS)", "after \(bytes) plaintext bytes")
        case .resynchronized(let skipped): return ("record framing recovered", "\(skipped) bytes skipped")
        }
    }
}
