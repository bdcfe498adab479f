import WireCore

/// A small streaming JSON writer. Hand-written rather than `JSONEncoder` because output is streamed
/// connection by connection (memory stays bounded on gigabyte captures) and key order is part of
/// what people read; it escapes every string per RFC 8259, so capture-controlled text is safe.
///
/// It is on the per-connection path of every JSON report (a 1 GB capture renders about 150 MB of
/// JSON), so the output buffer is raw memory written through a pointer (no Array bookkeeping per
/// append), strings are copied in runs and scanned for bytes to escape eight at a time, and numbers
/// are written as digits without a String. Keys are `StaticString`s (no String hand-over), times
/// and addresses are written in place, and names of protocol code points are escaped once per
/// writer and then copied (`codePointName`). Value semantics are kept: a copied writer copies its
/// buffer before its next write.
public struct JSONWriter {
    /// The JSON written so far (a copy; `withBytes` reads it in place).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }
    /// Bytes written so far.
    public private(set) var count = 0

    private var storage: Storage
    /// Bit n: the container open at depth n (0 = top level) already holds a value, so the next one
    /// needs a comma. A bit stack instead of an array: no array traffic per value.
    private var commaBits: UInt64 = 0
    private var deeperCommas: [Bool] = []
    private var afterKey = false
    let pretty: Bool
    private var depth = 0
    /// Finished JSON strings of code-point names, made on first use (`codePointName`).
    private var codePointNames: CodePointNameMemo?

    public init(pretty: Bool = false, capacity: Int = 4096) {
        self.pretty = pretty
        self.storage = Storage(capacity: max(capacity, 64))
    }

    /// Calls `body` with the JSON written so far, without copying it.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.base, count: count))
    }

    public mutating func reset() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(capacity: storage.capacity) }
        count = 0
        commaBits = 0
        deeperCommas.removeAll()
        afterKey = false
        depth = 0
    }

    // MARK: - Output buffer

    /// Raw bytes, freed with the last writer that holds them.
    private final class Storage {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
        }
        deinit { base.deallocate() }
    }

    /// Room for `n` more bytes (the buffer is already this writer's own: `ensureUnique`).
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count + n > storage.capacity { grow(n) }
    }

    /// Copy-on-write, checked once per public call (a copy can only happen between calls).
    @inline(__always)
    private mutating func ensureUnique() {
        if !isKnownUniquelyReferenced(&storage) { grow(0) }
    }

    private mutating func grow(_ n: Int) {
        let needed = count + n
        let capacity = needed > storage.capacity ? max(needed, storage.capacity * 2) : storage.capacity
        let fresh = Storage(capacity: capacity)
        fresh.base.update(from: storage.base, count: count)
        storage = fresh
    }

    @inline(__always)
    private mutating func put(_ b: UInt8) {
        reserve(1)
        storage.base[count] = b
        count += 1
    }

    @inline(__always)
    private mutating func put(_ a: UInt8, _ b: UInt8) {
        reserve(2)
        storage.base[count] = a
        storage.base[count + 1] = b
        count += 2
    }

    @inline(__always)
    private mutating func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (storage.base + count).update(from: p, count: n)
        count += n
    }

    private mutating func put(_ s: StaticString) {
        put(s.utf8Start, s.utf8CodeUnitCount)
    }

    // MARK: - Structure

    private mutating func newlineIndent() {
        put(10)
        for _ in 0..<depth { put(32, 32) }
    }

    @inline(__always)
    private mutating func valuePrefix() {
        ensureUnique()
        if afterKey { afterKey = false; return }
        if hasValue(at: depth) { put(44) }
        setHasValue(at: depth, true)
        if pretty && depth > 0 { newlineIndent() }
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

    public mutating func beginObject() { valuePrefix(); put(123); depth += 1; setHasValue(at: depth, false) }
    public mutating func endObject() {
        ensureUnique()
        let had = hasValue(at: depth); depth -= 1
        if had && pretty { newlineIndent() }
        put(125)
    }
    public mutating func beginArray() { valuePrefix(); put(91); depth += 1; setHasValue(at: depth, false) }
    public mutating func endArray() {
        ensureUnique()
        let had = hasValue(at: depth); depth -= 1
        if had && pretty { newlineIndent() }
        put(93)
    }

    /// A key from this code base's literals: its bytes are copied without a String.
    public mutating func key(_ k: StaticString) {
        valuePrefix()
        k.withUTF8Buffer { appendEscaped($0) }
        if pretty { put(58, 32) } else { put(58) }
        afterKey = true
    }

    /// A key built at run time (for literals the `StaticString` overload is taken).
    @_disfavoredOverload
    public mutating func key(_ k: String) {
        valuePrefix()
        appendEscaped(k)
        if pretty { put(58, 32) } else { put(58) }
        afterKey = true
    }

    // MARK: - Values

    public mutating func string(_ s: String) { valuePrefix(); appendEscaped(s) }
    public mutating func int<T: BinaryInteger>(_ v: T) {
        valuePrefix()
        guard let n = Int64(exactly: v) else {
            var s = String(v)
            s.withUTF8 { put($0.baseAddress!, $0.count) }   // a String's UTF-8 view always has storage
            return
        }
        appendDecimal(n)
    }
    public mutating func double(_ v: Double) {
        valuePrefix()
        if v.isFinite {
            var s = String(v)
            s.withUTF8 { put($0.baseAddress!, $0.count) }
        } else {
            put("null")
        }
    }
    public mutating func bool(_ v: Bool) { valuePrefix(); if v { put("true") } else { put("false") } }
    public mutating func null() { valuePrefix(); put("null") }
    /// Already-serialised JSON (from another writer).
    public mutating func raw(_ json: [UInt8]) {
        valuePrefix()
        json.withUnsafeBufferPointer { b in if let p = b.baseAddress { put(p, b.count) } }
    }

    /// A time as `Timestamp.rfc3339` prints it, written in place.
    public mutating func timestamp(_ t: Timestamp) {
        guard t.hasFixedRFC3339Layout else { string(t.rfc3339); return }
        valuePrefix()
        reserve(Timestamp.rfc3339Length + 2)
        storage.base[count] = 34
        t.writeRFC3339(into: storage.base + count + 1)
        storage.base[count + Timestamp.rfc3339Length + 1] = 34
        count += Timestamp.rfc3339Length + 2
    }

    /// A time as `Timestamp.rfc3339Seconds` prints it, written in place.
    public mutating func timestampSeconds(_ t: Timestamp) {
        guard t.hasFixedRFC3339SecondsLayout else { string(t.rfc3339Seconds); return }
        valuePrefix()
        reserve(Timestamp.rfc3339SecondsLength + 2)
        storage.base[count] = 34
        t.writeRFC3339Seconds(into: storage.base + count + 1)
        storage.base[count + Timestamp.rfc3339SecondsLength + 1] = 34
        count += Timestamp.rfc3339SecondsLength + 2
    }

    /// A string value whose bytes `write` puts in place and counts (at most `maxLength`): for text
    /// that never needs escaping, such as addresses, decimal and hex digits.
    mutating func unescapedString(maxLength: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        valuePrefix()
        reserve(maxLength + 2)
        storage.base[count] = 34
        let n = write(storage.base + count + 1)
        precondition(n <= maxLength, "wrote past the room asked for")
        storage.base[count + n + 1] = 34
        count += n + 2
    }

    // A string value written in pieces: words and numbers assembled without a String.

    mutating func beginString() { valuePrefix(); put(34) }
    mutating func appendToString(_ s: StaticString) { s.withUTF8Buffer { appendEscapedBody($0) } }
    mutating func appendToString(_ s: String) {
        var s = s
        s.withUTF8 { appendEscapedBody($0) }
    }
    mutating func appendToString(decimal n: Int) { appendDecimal(Int64(n)) }
    mutating func endString() { put(34) }

    // Convenience: key + value. Keys written as literals take the `StaticString` forms.
    public mutating func field(_ k: StaticString, _ v: String?) { key(k); if let v { string(v) } else { null() } }
    public mutating func field<T: BinaryInteger>(_ k: StaticString, _ v: T?) { key(k); if let v { int(v) } else { null() } }
    public mutating func field(_ k: StaticString, _ v: Bool?) { key(k); if let v { bool(v) } else { null() } }
    public mutating func field(_ k: StaticString, strings: [String]) {
        key(k); beginArray(); for s in strings { string(s) }; endArray()
    }
    public mutating func field<T: BinaryInteger>(_ k: StaticString, ints: [T]) {
        key(k); beginArray(); for v in ints { int(v) }; endArray()
    }
    public mutating func field(_ k: StaticString, timestamp t: Timestamp?) {
        key(k); if let t { timestamp(t) } else { null() }
    }
    public mutating func field(_ k: StaticString, timestampSeconds t: Timestamp?) {
        key(k); if let t { timestampSeconds(t) } else { null() }
    }

    @_disfavoredOverload
    public mutating func field(_ k: String, _ v: String?) { key(k); if let v { string(v) } else { null() } }
    @_disfavoredOverload
    public mutating func field<T: BinaryInteger>(_ k: String, _ v: T?) { key(k); if let v { int(v) } else { null() } }
    @_disfavoredOverload
    public mutating func field(_ k: String, _ v: Bool?) { key(k); if let v { bool(v) } else { null() } }
    @_disfavoredOverload
    public mutating func field(_ k: String, strings: [String]) {
        key(k); beginArray(); for s in strings { string(s) }; endArray()
    }
    @_disfavoredOverload
    public mutating func field<T: BinaryInteger>(_ k: String, ints: [T]) {
        key(k); beginArray(); for v in ints { int(v) }; endArray()
    }

    // MARK: - Code-point names

    /// Protocol code points whose names are memoized per writer.
    public enum CodePointFamily: Int, CaseIterable {
        case protocolVersion, cipherSuite, extensionType, namedGroup, signatureScheme
    }

    /// Writes the name `describe(value)` of a code point as a JSON string. The first time a value
    /// of a family is seen the name is looked up and escaped; after that its finished bytes are
    /// copied. `describe` must give one name per value (a code point's `description`).
    public mutating func codePointName(_ family: CodePointFamily, _ value: UInt16, _ describe: (UInt16) -> String) {
        valuePrefix()
        if let memo = codePointNames, let (start, length) = memo.lookup(family.rawValue, value) {
            put(start, length)
            return
        }
        let before = count
        appendEscaped(describe(value))
        if codePointNames == nil { codePointNames = CodePointNameMemo(families: CodePointFamily.allCases.count) }
        codePointNames!.remember(family.rawValue, value, storage.base + before, count - before)
    }

    /// Decimal digits straight into the buffer: no String per number.
    private mutating func appendDecimal(_ n: Int64) {
        reserve(20)   // "-9223372036854775808"
        if n < 0 { storage.base[count] = 45; count += 1 }
        var m = n.magnitude
        if m < 10 { storage.base[count] = 48 + UInt8(m); count += 1; return }
        var digits = 0
        var t = m
        while t > 0 { digits += 1; t /= 10 }
        var i = count + digits - 1
        while m > 0 {
            storage.base[i] = 48 + UInt8(m % 10)
            m /= 10
            i -= 1
        }
        count += digits
    }

    // MARK: - Strings

    private mutating func appendEscaped(_ s: String) {
        var s = s
        s.withUTF8 { appendEscaped($0) }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        put(34)
        appendEscapedBody(utf8)
        put(34)
    }

    /// Writes straight into the buffer, without quotes. Most strings are short and clean: their
    /// eight-byte words are stored whole and the last partial word is stored as the string's last
    /// eight bytes (overlapping bytes already written, which are the same). Anything else goes
    /// through `appendEscapedRest`.
    @inline(__always)
    private mutating func appendEscapedBody(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let p = utf8.baseAddress else { return }
        let n = utf8.count
        guard n >= 8, n <= 4096 else { appendEscapedRest(p, from: 0, n); return }
        reserve(n)
        let out = storage.base + count
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            if Self.needsEscape(w) { count += i; appendEscapedRest(p, from: i, n); return }
            UnsafeMutableRawPointer(out + i).storeBytes(of: w, as: UInt64.self)
            i += 8
        }
        if i < n {
            let w = UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self)
            if Self.needsEscape(w) { count += i; appendEscapedRest(p, from: i, n); return }
            UnsafeMutableRawPointer(out + n - 8).storeBytes(of: w, as: UInt64.self)
        }
        count += n
    }

    /// The general case of `appendEscapedBody` from byte `i` on: room for the worst case (every
    /// byte as `\u00XX`) is made once per 4 KB of input, clean eight-byte words are stored whole,
    /// other bytes one at a time.
    private mutating func appendEscapedRest(_ p: UnsafePointer<UInt8>, from start: Int, _ n: Int) {
        var i = start
        while i < n {
            let end = min(n, i + 4096)
            reserve((end - i) * 6)
            let out = storage.base
            var c = count
            while i < end {
                if i + 8 <= end {
                    let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                    if !Self.needsEscape(w) {
                        UnsafeMutableRawPointer(out + c).storeBytes(of: w, as: UInt64.self)
                        c += 8
                        i += 8
                        continue
                    }
                }
                let b = p[i]
                i += 1
                if b >= 32 && b != 34 && b != 92 && b != 127 {
                    out[c] = b
                    c += 1
                    continue
                }
                out[c] = 92
                switch b {
                case 34: out[c + 1] = 34; c += 2
                case 92: out[c + 1] = 92; c += 2
                case 10: out[c + 1] = 110; c += 2
                case 13: out[c + 1] = 114; c += 2
                case 9: out[c + 1] = 116; c += 2
                default:
                    out[c + 1] = 117; out[c + 2] = 48; out[c + 3] = 48   // \u00XX
                    out[c + 4] = Self.hexDigit(b >> 4); out[c + 5] = Self.hexDigit(b & 0xf)
                    c += 6
                }
            }
            count = c
        }
    }

    /// True when one of the eight bytes is below 0x20, `"`, `\` or DEL (exact as a yes/no answer:
    /// the "has a byte less than n" and "has a zero byte" word tricks).
    @inline(__always)
    static func needsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let below32 = (w &- ones &* 0x20) & ~w & high
        let q = w ^ (ones &* 0x22), bs = w ^ (ones &* 0x5C), del = w ^ (ones &* 0x7F)
        let special = ((q &- ones) & ~q) | ((bs &- ones) & ~bs) | ((del &- ones) & ~del)
        return (below32 | (special & high)) != 0
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
}

/// The finished JSON strings of `JSONWriter.codePointName`: per family, 65,536 slots (one per
/// 16-bit value, made when the family is first used: 256 KB) pointing into one byte arena.
private final class CodePointNameMemo {
    /// 0: not looked up yet; else the string's offset in `text` << 8 | its length in bytes.
    private var slots: [UnsafeMutablePointer<UInt32>?]
    private var text: UnsafeMutablePointer<UInt8>
    private var textCount = 0
    private var textCapacity = 4096
    /// Offsets have 24 bits; past that (never for real names) strings are simply not remembered.
    private static let maxTextCount = 1 << 24

    init(families: Int) {
        slots = Array(repeating: nil, count: families)
        text = .allocate(capacity: textCapacity)
    }

    deinit {
        for table in slots { table?.deallocate() }
        text.deallocate()
    }

    @inline(__always)
    func lookup(_ family: Int, _ value: UInt16) -> (UnsafePointer<UInt8>, Int)? {
        guard let table = slots[family] else { return nil }
        let slot = table[Int(value)]
        guard slot != 0 else { return nil }
        return (UnsafePointer(text + Int(slot >> 8)), Int(slot & 0xff))
    }

    func remember(_ family: Int, _ value: UInt16, _ bytes: UnsafePointer<UInt8>, _ length: Int) {
        guard length > 0, length <= 0xff, textCount + length <= Self.maxTextCount else { return }
        let table: UnsafeMutablePointer<UInt32>
        if let existing = slots[family] {
            table = existing
        } else {
            table = .allocate(capacity: 1 << 16)
            table.initialize(repeating: 0, count: 1 << 16)
            slots[family] = table
        }
        if textCount + length > textCapacity {
            let capacity = max(textCapacity * 2, textCount + length)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            grown.update(from: text, count: textCount)
            text.deallocate()
            text = grown
            textCapacity = capacity
        }
        (text + textCount).update(from: bytes, count: length)
        table[Int(value)] = UInt32(textCount) << 8 | UInt32(length)
        textCount += length
    }
}
