/// A small streaming JSON writer. Hand-written rather than `JSONEncoder` because output is streamed
/// connection by connection (memory stays bounded on gigabyte captures) and key order is part of
/// what people read; it escapes every string per RFC 8259, so capture-controlled text is safe.
///
/// It is on the per-connection path of every JSON report (a 1 GB capture renders about 150 MB of
/// JSON), so the output buffer is raw memory written through a pointer (no Array bookkeeping per
/// append), strings are copied in runs and scanned for bytes to escape eight at a time, and numbers
/// are written as digits without a String. Value semantics are kept: a copied writer copies its
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

    /// Writes straight into the buffer: room for the worst case (every byte as `\u00XX`) is made once
    /// per 4 KB of input, clean eight-byte words are stored whole, other bytes one at a time.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        put(34)
        if let p = utf8.baseAddress {
            var i = 0
            let n = utf8.count
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
        put(34)
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
