import Connections
import TLSWire

/// Words for transcript events, shared by every renderer.
public enum TranscriptText {
    /// A short event name and an optional detail.
    public static func describe(_ e: TranscriptEntry.Event) -> (String, String?) {
        var text = TranscriptTextStrings()
        spell(e, into: &text)
        return (text.name, text.detail)
    }

    /// The one spelling of every event: its name, then, when it has one, `startDetail()` and the
    /// detail. Given piece by piece so the JSON writer (a transcript line per TLS record run, dozens
    /// per connection) takes the words and numbers without a String per line; `describe` collects
    /// the same pieces into Strings for the other renderers.
    static func spell<Output: TranscriptTextOutput>(_ e: TranscriptEntry.Event, into out: inout Output) {
        switch e {
        case .syn: out.append("SYN")
        case .synAck: out.append("SYN-ACK")
        case .fin: out.append("FIN")
        case .rst: out.append("RST")
        case .handshake(let t, let length):
            out.append(messageName: t)
            out.startDetail(); out.append(decimal: length); out.append(" bytes")
        case .helloRetryRequest: out.append("HelloRetryRequest")
        case .malformedHandshake(let t, let reason):
            out.append("malformed "); out.append(messageName: t)
            out.startDetail(); out.append(string: reason)
        case .encryptedHandshake(let length):
            out.append("encrypted handshake (Finished)")
            out.startDetail(); out.append(decimal: length); out.append("-byte record")
        case .changeCipherSpec: out.append("ChangeCipherSpec")
        case .alert(let level, let d):
            out.append("Alert")
            out.startDetail(); out.append(string: level.description); out.append(" "); out.append(string: d.description)
        case .encryptedAlert(let length):
            out.append("encrypted Alert")
            out.startDetail(); out.append(decimal: length); out.append("-byte record")
        case .applicationData(let records, let bytes):
            out.append("application data")
            out.startDetail()
            out.append(decimal: records); out.append(records == 1 ? " record, " : " records, ")
            out.append(decimal: bytes); out.append(" bytes")
        case .heartbeat(let length):
            out.append("Heartbeat")
            out.startDetail(); out.append(decimal: length); out.append(" bytes")
        case .gap(let bytes):
            out.append("capture gap")
            out.startDetail(); out.append(decimal: bytes); out.append(" bytes not captured")
        case .plaintext(let bytes):
            out.append("plaintext (not TLS)")
            out.startDetail(); out.append("first "); out.append(decimal: bytes); out.append(" bytes")
        case .tlsAfterPlaintext(let bytes):
            out.append("TLS starts (STARTTLS)")
            out.startDetail(); out.append("after "); out.append(decimal: bytes); out.append(" plaintext bytes")
        case .resynchronized(let skipped):
            out.append("record framing recovered")
            out.startDetail(); out.append(decimal: skipped); out.append(" bytes skipped")
        }
    }
}

/// Where `TranscriptText.spell` puts an event's words.
protocol TranscriptTextOutput {
    /// Words of this code base (a literal is taken by this one, not by `append(string:)`).
    mutating func append(_ text: StaticString)
    /// Words made at run time (names, a capture's reason text).
    mutating func append(string text: String)
    mutating func append(decimal n: Int)
    /// `t.displayName`.
    mutating func append(messageName t: HandshakeType)
    /// The name is complete; what follows is the detail.
    mutating func startDetail()
}

/// The words as Strings, for `describe`.
struct TranscriptTextStrings: TranscriptTextOutput {
    var name = ""
    var detail: String?

    mutating func append(_ text: StaticString) { append(string: text.description) }
    mutating func append(string text: String) {
        if detail == nil { name += text } else { detail! += text }
    }
    mutating func append(decimal n: Int) { append(string: String(n)) }
    mutating func append(messageName t: HandshakeType) { append(string: t.displayName) }
    mutating func startDetail() { detail = "" }
}
