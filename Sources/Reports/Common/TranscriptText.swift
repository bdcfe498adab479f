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

/// Recognises what a non-TLS stream is, for "plaintext SIP sent to a TLS port" and the like.
public enum PlaintextProtocol {
    public static func guess(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        let sipMethods = ["REGISTER ", "INVITE ", "OPTIONS ", "SUBSCRIBE ", "NOTIFY ", "ACK ", "BYE ", "CANCEL ", "MESSAGE ", "PUBLISH ", "INFO ", "REFER ", "UPDATE ", "PRACK "]
        if text.hasPrefix("SIP/2.0 ") { return "SIP" }
        if sipMethods.contains(where: { text.hasPrefix($0) }) && text.contains("SIP/2.0") { return "SIP" }
        if ["GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ", "CONNECT ", "PATCH "].contains(where: { text.hasPrefix($0) }) && text.contains("HTTP/") { return "HTTP" }
        if text.hasPrefix("HTTP/1.") || text.hasPrefix("HTTP/2") { return "HTTP" }
        if text.hasPrefix("PRI * HTTP/2.0") { return "HTTP/2" }
        if text.hasPrefix("SSH-") { return "SSH" }
        if text.hasPrefix("220 ") || text.hasPrefix("220-") { return "SMTP/FTP greeting" }
        if text.hasPrefix("EHLO ") || text.hasPrefix("HELO ") { return "SMTP" }
        if text.hasPrefix("* OK") { return "IMAP" }
        if text.hasPrefix("+OK") { return "POP3" }
        if text.hasPrefix("<?xml") || text.hasPrefix("<stream:stream") { return "XMPP/XML" }
        if bytes.count >= 3 && bytes[0] == 0x16 && bytes[1] == 0xfe { return "DTLS" }
        return nil
    }

    /// The bytes as text with anything unprintable shown as `\xNN` (safe for every output format
    /// after that format's own escaping).
    public static func printable(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            switch b {
            case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(b))
            case 0x0d: out += "\\r"
            case 0x0a: out += "\\n"
            case 0x09: out += "\\t"
            default:
                let h = String(b, radix: 16)
                out += "\\x" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }
}
