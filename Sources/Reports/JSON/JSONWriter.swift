/// A small streaming JSON writer. Hand-written rather than `JSONEncoder` because output is streamed
/// connection by connection (memory stays bounded on gigabyte captures) and key order is part of
/// what people read; it escapes every string per RFC 8259, so capture-controlled text is safe.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Bit n: the container open at depth n (0 = top level) already holds a value, so the next one
    /// needs a comma. A bit stack instead of an array: no array traffic per value.
    private var commaBits: UInt64 = 0
    private var deeperCommas: [Bool] = []
    private var afterKey = false
    let pretty: Bool
    private var depth = 0

    public init(pretty: Bool = false, capacity: Int = 4096) {
        self.pretty = pretty
        bytes.reserveCapacity(capacity)
    }

    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        commaBits = 0
        deeperCommas.removeAll()
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
        if hasValue(at: depth) { bytes.append(44) }
        setHasValue(at: depth, true)
        if depth > 0 { newlineIndent() }
    }

    @inline(__always)
    private func hasValue(at level: Int) -> Bool {
        level < 64 ? commaBits & (1 << level) != 0 : deeperCommas[level - 64]
    }

    @inline(__always)
    private mutating func setHasValue(at level: Int, _ value: Bool) {
        if level < 64 {
            if value { commaBits |= 1 << level } else { commaBits &= ~(1 << level) }
        } else if level - 64 < deeperCommas.count {
            deeperCommas[level - 64] = value
        } else {
            deeperCommas.append(value)
        }
    }

    public mutating func beginObject() { valuePrefix(); bytes.append(123); depth += 1; setHasValue(at: depth, false) }
    public mutating func endObject() {
        let had = hasValue(at: depth); depth -= 1
        if had { newlineIndent() }
        bytes.append(125)
    }
    public mutating func beginArray() { valuePrefix(); bytes.append(91); depth += 1; setHasValue(at: depth, false) }
    public mutating func endArray() {
        let had = hasValue(at: depth); depth -= 1
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
    public mutating func int<T: BinaryInteger>(_ v: T) {
        valuePrefix()
        guard let n = Int64(exactly: v) else { bytes.append(contentsOf: String(v).utf8); return }
        appendDecimal(n)
    }

    /// Decimal digits straight into the buffer: no String per number.
    private mutating func appendDecimal(_ n: Int64) {
        if n < 0 { bytes.append(45) }
        var m = n.magnitude
        if m < 10 { bytes.append(48 + UInt8(m)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0) // 24 bytes: UInt64.max has 20 digits
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while m > 0 {
                d[23 - count] = 48 + UInt8(m % 10)
                m /= 10
                count += 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - count)...]))
        }
    }
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
        var s = s
        // Runs of bytes that need no escape are copied at once (memcpy), not byte by byte.
        s.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let b = utf8[i]
                guard b < 32 || b == 34 || b == 92 || b == 127 else { continue }
                if i > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                start = i + 1
                switch b {
                case 34: bytes.append(92); bytes.append(34)
                case 92: bytes.append(92); bytes.append(92)
                case 10: bytes.append(92); bytes.append(110)
                case 13: bytes.append(92); bytes.append(114)
                case 9: bytes.append(92); bytes.append(116)
                default:
                    bytes.append(contentsOf: "\\u00".utf8)
                    bytes.append(Self.hexDigits[Int(b >> 4)]); bytes.append(Self.hexDigits[Int(b & 0xf)])
                }
            }
            if utf8.count > start { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count])) }
        }
        bytes.append(34)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
