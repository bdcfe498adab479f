/// Recognises what a non-TLS stream carries (SIP, HTTP, …): one place for the rules and the renderers.
public enum PlaintextProtocol {
    /// The first line, printable, at most 100 characters: for explanations ("REGISTER sip:… SIP/2.0").
    public static func firstLine(_ bytes: [UInt8]) -> String {
        let line = bytes.prefix { $0 != 13 && $0 != 10 }.prefix(100)
        return String(decoding: line.map { ($0 >= 32 && $0 < 127) ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
    }

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
