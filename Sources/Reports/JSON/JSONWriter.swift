/// A small streaming JSON writer. Hand-written rather than `JSONEncoder` because output is streamed
/// connection by connection (memory stays bounded on gigabyte captures) and key order is part of
/// what people read; it escapes every string per RFC 8259, so capture-controlled text is safe.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]
    private var afterKey = false
    let pretty: Bool
    private var depth = 0

    public init(pretty: Bool = false, capacity: Int = 4096) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = [false]
        afterKey = false
        depth = 0
    }

    private mutating func newlineIndent() {
        guard pretty else { return }
        bytes.append(10)
        for _ in 0..<depth { bytes.append(32); bytes.append(32) }
    }

    private mutating func valuePrefix() {
        if afterKey { afterKey = false; return }
        if needsComma[needsComma.count - 1] { bytes.append(44) }
        needsComma[needsComma.count - 1] = true
        if depth > 0 { newlineIndent() }
    }

    public mutating func beginObject() { valuePrefix(); bytes.append(123); needsComma.append(false); depth += 1 }
    public mutating func endObject() {
        let had = needsComma.removeLast(); depth -= 1
        if had { newlineIndent() }
        bytes.append(125)
    }
    public mutating func beginArray() { valuePrefix(); bytes.append(91); needsComma.append(false); depth += 1 }
    public mutating func endArray() {
        let had = needsComma.removeLast(); depth -= 1
        if had { newlineIndent() }
        bytes.append(93)
    }

    public mutating func key(_ k: String) {
        valuePrefix()
        appendEscaped(k)
        bytes.append(58)
        if pretty { bytes.append(32) }
        afterKey = true
    }

    public mutating func string(_ s: String) { valuePrefix(); appendEscaped(s) }
    public mutating func int<T: BinaryInteger>(_ v: T) { valuePrefix(); bytes.append(contentsOf: String(v).utf8) }
    public mutating func double(_ v: Double) {
        valuePrefix()
        if v.isFinite { bytes.append(contentsOf: String(v).utf8) } else { bytes.append(contentsOf: "null".utf8) }
    }
    public mutating func bool(_ v: Bool) { valuePrefix(); bytes.append(contentsOf: (v ? "true" : "false").utf8) }
    public mutating func null() { valuePrefix(); bytes.append(contentsOf: "null".utf8) }
    /// Already-serialised JSON (from another writer).
    public mutating func raw(_ json: [UInt8]) { valuePrefix(); bytes.append(contentsOf: json) }

    // Convenience: key + value.
    public mutating func field(_ k: String, _ v: String?) { key(k); if let v { string(v) } else { null() } }
    public mutating func field<T: BinaryInteger>(_ k: String, _ v: T?) { key(k); if let v { int(v) } else { null() } }
    public mutating func field(_ k: String, _ v: Bool?) { key(k); if let v { bool(v) } else { null() } }
    public mutating func field(_ k: String, strings: [String]) {
        key(k); beginArray(); for s in strings { string(s) }; endArray()
    }
    public mutating func field<T: BinaryInteger>(_ k: String, ints: [T]) {
        key(k); beginArray(); for v in ints { int(v) }; endArray()
    }

    private mutating func appendEscaped(_ s: String) {
        bytes.append(34)
        for b in s.utf8 {
            switch b {
            case 34: bytes.append(92); bytes.append(34)
            case 92: bytes.append(92); bytes.append(92)
            case 10: bytes.append(92); bytes.append(110)
            case 13: bytes.append(92); bytes.append(114)
            case 9: bytes.append(92); bytes.append(116)
            case 0..<32, 127:
                bytes.append(contentsOf: "\\u00".utf8)
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(b >> 4)]); bytes.append(hex[Int(b & 0xf)])
            default:
                bytes.append(b)
            }
        }
        bytes.append(34)
    }
}
