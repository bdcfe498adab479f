import WireCore
import CJSONScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small streaming JSON writer. Hand-written rather than `JSONEncoder` because output is streamed
/// connection by connection (memory stays bounded on gigabyte captures) and key order is part of
/// what people read; it escapes every string per RFC 8259, so capture-controlled text is safe.
///
/// It is on the per-connection path of every JSON report (a 1 GB capture renders about 150 MB of
/// JSON, some 200 keys and 160 strings per connection), so:
/// - the output buffer is raw memory written through a pointer (no Array bookkeeping per append);
/// - strings are copied and tested for bytes to escape eight bytes at a time;
/// - keys are `StaticString`s (no String hand-over), tested for bytes to escape only the first
///   time (a literal never changes), and a `field` writes its key and value under one
///   copy-on-write and comma check;
/// - numbers, times and addresses are written in place, without a String;
/// - names of protocol code points are escaped once per writer, then copied (`codePointName`).
///
/// Value semantics are kept: a copied writer copies its buffer before its next write.
public struct JSONWriter {
    /// The JSON written so far (a copy; `withBytes` reads it in place).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress?.initialize(from: base, count: count)   // one memcpy, not a loop
            initialized = count
        }
    }
    /// Bytes written so far.
    public private(set) var count = 0

    /// The buffer's owner; `base` and `capacity` are its values, kept here to save a load per write.
    private var storage: Storage
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var cleanLiterals: UnsafeMutablePointer<UInt>
    /// What was written last, which is all that decides what goes before the next key or value
    /// (a comma after a sibling, nothing after a key or an opening bracket): one byte of state
    /// instead of a flag per open container.
    private var position = Position.open
    /// True inside `writingOwnBuffer`: the buffer was checked to be this writer's own once, so
    /// the per-call copy-on-write check (a runtime call) is skipped.
    private var bufferKnownOwn = false
    let pretty: Bool
    private var depth = 0
    /// `codePointName`'s memo, made on first use. Copies of a writer share it: it only gains
    /// entries, and an entry is the same for everyone. Its two tables never move, so the writer
    /// reads them through plain pointers (no reference counting per name).
    private var codePointNames: CodePointNameMemo?
    private var codePointSlots: UnsafeMutablePointer<UInt32>?
    private var codePointText: UnsafeMutablePointer<UInt8>?
    /// `field(_:codePoints:)`'s memo of whole lists, made on first use; shared by copies as
    /// `codePointNames` is (an entry is the same for everyone).
    private var codePointLists: CodePointListMemo?
    /// `codePointLists`' tables, read through plain pointers (no reference counting per list).
    private var codePointListTables: CodePointListMemo.Tables?
    /// The text of the last whole second a time was written for (a connection's times share it).
    private var secondText = JSONSecondText()

    public init(pretty: Bool = false, capacity: Int = 4096) {
        self.pretty = pretty
        let storage = Storage(capacity: max(capacity, 64))
        self.storage = storage
        self.base = storage.base
        self.capacity = storage.capacity
        self.cleanLiterals = storage.cleanLiterals
    }

    /// Calls `body` with the JSON written so far, without copying it.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Starts a new document; the memo of code-point names is kept.
    public mutating func reset() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(capacity: capacity)
            base = storage.base
            cleanLiterals = storage.cleanLiterals
        }
        count = 0
        position = .open
        depth = 0
    }

    /// Starts another document after those written so far, which stay: a report batches many
    /// connections' objects into one write. A new line, and a comma before it when `comma`,
    /// separate it from the last (raw bytes: together the documents need not be one JSON value).
    public mutating func beginNextDocument(comma: Bool) {
        ensureUnique()
        if comma { put(44, 10) } else { put(10) }
        position = .open
        depth = 0
    }

    // MARK: - Output buffer

    /// Raw bytes, freed with the last writer that holds them.
    private final class Storage {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int
        /// `copyLiteral`'s memo of literals known to need no escaping.
        let cleanLiterals: UnsafeMutablePointer<UInt>
        static let cleanLiteralBits = 11
        static let cleanLiteralSlots = 1 << cleanLiteralBits   // ~250 literals in a connection's JSON
        init(capacity: Int) {
            self.capacity = capacity
            base = .allocate(capacity: capacity)
            cleanLiterals = .allocate(capacity: Self.cleanLiteralSlots)
            cleanLiterals.initialize(repeating: 0, count: Self.cleanLiteralSlots)
        }
        deinit {
            base.deallocate()
            cleanLiterals.deallocate()
        }
    }

    /// Room for `n` more bytes (the buffer is already this writer's own: `ensureUnique`).
    @inline(__always)
    private mutating func reserve(_ n: Int) {
        if count &+ n > capacity { grow(n) }
    }

    /// Copy-on-write, checked once per public call (a copy can only happen between calls), or
    /// once per `writingOwnBuffer`.
    @inline(__always)
    private mutating func ensureUnique() {
        if !bufferKnownOwn && !isKnownUniquelyReferenced(&storage) { grow(0) }
    }

    /// Runs `body`, which writes into this writer, with the copy-on-write check made once
    /// instead of in every call (a connection's JSON is some 400 calls). `body` must not copy
    /// the writer it is given and write into the copy (ConnectionJSON does not; a copy made
    /// before or after is safe: the check is made on entry and is back on exit).
    mutating func writingOwnBuffer(_ body: (inout JSONWriter) -> Void) {
        guard !bufferKnownOwn else { body(&self); return }
        ensureUnique()
        bufferKnownOwn = true
        body(&self)
        bufferKnownOwn = false
    }

    private mutating func grow(_ n: Int) {
        let needed = count + n
        let fresh = Storage(capacity: needed > capacity ? max(needed, capacity * 2) : capacity)
        fresh.base.update(from: base, count: count)
        storage = fresh
        base = fresh.base
        capacity = fresh.capacity
        cleanLiterals = fresh.cleanLiterals
    }

    @inline(__always)
    private mutating func put(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count &+= 1
    }

    @inline(__always)
    private mutating func put(_ a: UInt8, _ b: UInt8) {
        reserve(2)
        base[count] = a
        base[count &+ 1] = b
        count &+= 2
    }

    @inline(__always)
    private mutating func put(_ p: UnsafePointer<UInt8>, _ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (base + count).update(from: p, count: n)
        count &+= n
    }

    @inline(__always)
    private mutating func put(_ s: StaticString) {
        put(s.utf8Start, s.utf8CodeUnitCount)
    }

    // MARK: - Structure

    private mutating func newlineIndent() {
        put(10)
        for _ in 0..<depth { put(32, 32) }
    }

    /// What `position` can be.
    private enum Position: UInt8 {
        /// At the start, or just after `{` or `[`: the next value is the first of its container.
        case open
        /// After a value: the next one is its sibling.
        case afterValue
        /// After `"key":`: the next value is the key's.
        case afterKey
    }

    /// What goes before any value: the copy-on-write check, then nothing after a key, else a comma
    /// after a sibling and, when pretty, a new line. The value follows, so `position` becomes
    /// `afterValue`.
    @inline(__always)
    private mutating func valuePrefix() {
        ensureUnique()
        let before = position
        position = .afterValue
        if before == .afterKey { return }
        if before == .afterValue { put(44) }
        if pretty && depth > 0 { newlineIndent() }
    }

    // Brackets, keys and fields are inlined where they are called: a call per key cost ~60
    // instructions of its own (a key copied by a loop of unknown length, the state saved and
    // restored), where inlined the key's length is a constant and its copy a few stores.
    @inline(__always)
    public mutating func beginObject() { valuePrefix(); put(123); enterContainer() }
    @inline(__always)
    public mutating func endObject() { leaveContainer(); put(125) }
    @inline(__always)
    public mutating func beginArray() { valuePrefix(); put(91); enterContainer() }
    @inline(__always)
    public mutating func endArray() { leaveContainer(); put(93) }

    @inline(__always)
    private mutating func enterContainer() {
        depth += 1
        position = .open
    }

    /// Back to the enclosing container, with a new line first when pretty and the container has values.
    @inline(__always)
    private mutating func leaveContainer() {
        ensureUnique()
        depth -= 1
        if pretty && position != .open { newlineIndent() }
        position = .afterValue
    }

    /// A key from this code base's literals: its bytes are copied without a String.
    @inline(__always)
    public mutating func key(_ k: StaticString) {
        keyAndColon(k)
        position = .afterKey
    }

    /// A key built at run time (for literals the `StaticString` overload is taken).
    @_disfavoredOverload
    public mutating func key(_ k: String) {
        valuePrefix()
        appendEscaped(k)
        if pretty { put(58, 32) } else { put(58) }
        position = .afterKey
    }

    /// The value prefix, `"key":` and, when pretty, a space: what every `field` starts with. A
    /// key is a literal, almost always short and clean: compact output writes the comma (when one
    /// is due), the key and its quotes and colon after one room check, the comma stored always and
    /// kept or not by where the key goes (no branch), and leaves `position` as a value would.
    @inline(__always)
    private mutating func keyAndColon(_ k: StaticString) {
        if !pretty && k.hasPointerRepresentation {
            ensureUnique()
            let n = k.utf8CodeUnitCount
            reserve(n + 4)   // comma, quotes, colon
            var out = base + count
            out[0] = 44
            if position == .afterValue { out += 1 }
            if copyLiteral(k.utf8Start, n, to: out + 1) {
                out[0] = 34
                out[n + 1] = 34
                out[n + 2] = 58
                count = out + n + 3 - base
                position = .afterValue
                return
            }
            // A key to escape: nothing was counted, the general path writes over those bytes.
        }
        keyAndColonGeneral(k)
    }

    /// `keyAndColon` for pretty output (tests and people, not the per-connection path), or a key
    /// to escape.
    @inline(never)
    private mutating func keyAndColonGeneral(_ k: StaticString) {
        valuePrefix()
        k.withUTF8Buffer { appendEscaped($0) }
        if pretty { put(58, 32) } else { put(58) }
    }

    /// A literal's bytes, escaped, without quotes.
    @inline(__always)
    private mutating func appendLiteralBody(_ s: StaticString) {
        if s.hasPointerRepresentation {
            let n = s.utf8CodeUnitCount
            reserve(n)
            if copyLiteral(s.utf8Start, n, to: base + count) {
                count &+= n
                return
            }
        }
        s.withUTF8Buffer { appendEscapedBody($0) }
    }

    /// `copyIfClean` for the bytes of a literal. A literal's bytes never change, so once one is
    /// known to need no escaping it is copied without testing again: keys repeat all the time.
    /// The memo is direct-mapped by address and length (a collision only costs a test).
    @inline(__always)
    private func copyLiteral(_ p: UnsafePointer<UInt8>, _ n: Int, to out: UnsafeMutablePointer<UInt8>) -> Bool {
        let tag = UInt(bitPattern: p) ^ UInt(truncatingIfNeeded: n) &<< 48
        // Multiplicative hashing: literals lie next to each other, a byte or a few apart, and
        // dropping low address bits (as an earlier version did) put neighbours in one slot.
        let slot = Int(truncatingIfNeeded: (tag &* 0x9e37_79b9_7f4a_7c15) >> (UInt.bitWidth - Storage.cleanLiteralBits))
        if cleanLiterals[slot] == tag {
            Self.copyWords(from: p, to: out, n)
            return true
        }
        guard Self.copyIfClean(p, n, to: out) else { return false }
        cleanLiterals[slot] = tag
        return true
    }

    // MARK: - Values

    public mutating func string(_ s: String) { valuePrefix(); appendEscaped(s) }
    /// A literal (an enum's name, a fixed word), without a String hand-over.
    public mutating func string(_ s: StaticString) { valuePrefix(); put(34); appendLiteralBody(s); put(34) }
    public mutating func int<T: BinaryInteger>(_ v: T) { valuePrefix(); appendInteger(v) }
    public mutating func double(_ v: Double) {
        valuePrefix()
        if Self.writeMicroDecimal(v, into: &self) { return }
        if v.isFinite {
            var s = String(v)
            s.withUTF8 { put($0.baseAddress!, $0.count) }
        } else {
            put("null")
        }
    }
    public mutating func bool(_ v: Bool) { valuePrefix(); appendBool(v) }
    public mutating func null() { valuePrefix(); put("null") }
    /// Already-serialised JSON (from another writer).
    public mutating func raw(_ json: [UInt8]) {
        valuePrefix()
        json.withUnsafeBufferPointer { b in if let p = b.baseAddress { put(p, b.count) } }
    }

    /// A time as `Timestamp.rfc3339` prints it, written in place.
    public mutating func timestamp(_ t: Timestamp) { valuePrefix(); appendTimestamp(t) }

    /// A time as `Timestamp.rfc3339Seconds` prints it, written in place.
    public mutating func timestampSeconds(_ t: Timestamp) { valuePrefix(); appendTimestampSeconds(t) }

    /// A string value whose bytes `write` puts in place and counts (at most `maxLength`): for text
    /// that never needs escaping, such as addresses, decimal and hex digits.
    mutating func unescapedString(maxLength: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        valuePrefix()
        appendQuoted(maxLength: maxLength, write)
    }

    /// Compact output only: a value of fixed shape (an object of numbers and booleans) written
    /// straight into the buffer through the cursor returned here, after one value prefix and one room
    /// check for `maxLength` bytes, instead of a prefix, comma check and key lookup per field. The
    /// caller writes the JSON syntax and keys itself (`JSONRawCursor.syntax`), at most `maxLength`
    /// bytes, then hands the cursor to `endRawValue` with the same `maxLength` (nothing else may
    /// write in between). Not a closure: one that reads a struct (a connection's TLS or TCP summary)
    /// captured a copy of it, some twenty references retained and released per connection.
    @inline(__always)
    mutating func beginRawValue(maxLength: Int) -> JSONRawCursor {
        precondition(!pretty, "raw values are compact JSON")
        valuePrefix()
        reserve(maxLength)
        return JSONRawCursor(p: base + count, start: base + count, secondText: secondText,
                             nameSlots: codePointSlots, nameText: codePointText)
    }

    /// What a cursor from `beginRawValue` wrote, besides whole values: the start of an object
    /// whose further fields the general path writes, or the last fields of an open object and its
    /// `}`. (A cursor may also write fields of an open object between others: a `.value` too,
    /// as `beginRawValue` puts the comma before them.)
    enum RawShape {
        /// A whole value, or fields inside an open object.
        case value
        /// `{` and the object's first fields; `key`/`field` add more and `endObject` closes it.
        case opensObject
        /// An open object's last fields and its `}`.
        case closesObject
    }

    /// Counts what the cursor from `beginRawValue` wrote.
    @inline(__always)
    mutating func endRawValue(_ cursor: JSONRawCursor, maxLength: Int, shape: RawShape = .value) {
        let n = cursor.p - cursor.start
        precondition(cursor.start == base + count && n <= maxLength, "wrote past the room asked for")
        count &+= n
        secondText = cursor.secondText
        switch shape {   // `position` is after a value, as after a field or a closed object
        case .value: break
        case .opensObject: depth += 1
        case .closesObject: depth -= 1
        }
    }

    /// True when `codePointName` of this value is remembered, so `JSONRawCursor.rememberedName` can
    /// write it.
    @inline(__always)
    func remembersName(_ family: CodePointFamily, _ value: UInt16) -> Bool {
        guard let slots = codePointSlots else { return false }
        return slots[family.rawValue << 16 | Int(value)] != 0
    }

    // A string value written in pieces: words and numbers assembled without a String.

    /// `key(k)` and the opening quote under one value prefix.
    mutating func beginStringField(_ k: StaticString) { keyAndColon(k); put(34) }
    mutating func appendToString(_ s: StaticString) { appendLiteralBody(s) }
    mutating func appendToString(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ appendEscapedBody($0) }) == nil {
            var s = s
            s.withUTF8 { appendEscapedBody($0) }
        }
    }
    mutating func appendToString(decimal n: Int) { appendDecimal(Int64(n)) }
    mutating func endString() { put(34) }

    // MARK: - Fields (key + value)

    // Keys written as literals take the `StaticString` forms; each writes key and value under one
    // value prefix.

    @inline(__always)
    public mutating func field(_ k: StaticString, _ v: String?) {
        keyAndColon(k)
        if let v { appendEscaped(v) } else { put("null") }
    }
    @inline(__always)
    public mutating func field<T: BinaryInteger>(_ k: StaticString, _ v: T?) {
        keyAndColon(k)
        if let v { appendInteger(v) } else { put("null") }
    }
    @inline(__always)
    public mutating func field(_ k: StaticString, _ v: Bool?) {
        keyAndColon(k)
        if let v { appendBool(v) } else { put("null") }
    }
    /// Compact output writes the array's commas itself (the lists are mostly empty: `[]` after the key).
    @inline(__always)
    public mutating func field(_ k: StaticString, strings: [String]) {
        guard !pretty else { key(k); beginArray(); for s in strings { string(s) }; endArray(); return }
        compactArray(k, strings) { w, s in w.appendEscaped(s) }
    }
    /// Compact output writes the array's commas itself, as `field(_:strings:)`.
    @inline(__always)
    public mutating func field<T: BinaryInteger>(_ k: StaticString, ints: [T]) {
        guard !pretty else { key(k); beginArray(); for v in ints { int(v) }; endArray(); return }
        compactArray(k, ints) { w, v in w.appendInteger(v) }
    }
    /// `"k":[a,b,...]` in compact output, each element written by `element`.
    @inline(__always)
    private mutating func compactArray<Element>(_ k: StaticString, _ items: [Element],
                                                _ element: (inout JSONWriter, Element) -> Void) {
        keyAndColon(k)
        if items.isEmpty { put(91, 93); return }
        put(91)
        var first = true
        for v in items {
            if !first { put(44) }
            first = false
            element(&self, v)
        }
        put(93)
    }
    @inline(__always)
    public mutating func field(_ k: StaticString, timestamp t: Timestamp?) {
        keyAndColon(k)
        if let t { appendTimestamp(t) } else { put("null") }
    }
    @inline(__always)
    public mutating func field(_ k: StaticString, timestampSeconds t: Timestamp?) {
        keyAndColon(k)
        if let t { appendTimestampSeconds(t) } else { put("null") }
    }
    /// A literal value (an enum's name, a fixed word), without a String hand-over.
    @inline(__always)
    public mutating func field(_ k: StaticString, literal v: StaticString) {
        keyAndColon(k)
        put(34); appendLiteralBody(v); put(34)
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
        /// Handshake message names as transcripts print them ("ClientHello").
        case handshakeMessage
    }

    /// Writes the name of a code point, `describe()`, as a JSON string. The first time a value of a
    /// family is seen the name is looked up and escaped; after that its escaped bytes are copied
    /// (a ClientHello lists about fifty names, each otherwise a registry lookup and a String).
    /// `describe` must give one name per value (a code point's `description`).
    public mutating func codePointName(_ family: CodePointFamily, _ value: UInt16, _ describe: () -> String) {
        valuePrefix()
        put(34)
        appendCodePointName(family, value, describe)
        put(34)
    }

    /// `key(k)` and `codePointName(…)` (or `null()`) under one value prefix.
    @inline(__always)
    mutating func field(_ k: StaticString, codePointName family: CodePointFamily, _ value: UInt16?, _ describe: () -> String) {
        keyAndColon(k)
        guard let value else { put("null"); return }
        put(34)
        appendCodePointName(family, value, describe)
        put(34)
    }

    /// `key(k)` and an array of code-point names (`codePointName`). Compact output writes the
    /// array under one copy-on-write and comma check (a ClientHello has a dozen such lists), and
    /// remembers its JSON by family and values (`CodePointListMemo`): a device sends the same
    /// lists connection after connection, so the next time the whole array is one copy instead
    /// of a lookup and copy per name. Pretty output takes the general path.
    /// The array's raw values are read in place (a code point is laid out as its `UInt16`, see
    /// `JSONCodePoint`), not copied one by one into a temporary buffer (~100 instructions a list).
    mutating func field<C: JSONCodePoint>(_ k: StaticString, codePoints list: [C]) {
        precondition(MemoryLayout<C>.size == 2 && MemoryLayout<C>.stride == 2, "a JSONCodePoint is its UInt16")
        list.withUnsafeBufferPointer { points in
            points.withMemoryRebound(to: UInt16.self) { field(k, codePoints: C.self, $0) }
        }
    }

    /// `field(_:codePoints:)` of code points of type `C` given by their raw values.
    mutating func field<C: JSONCodePoint>(_ k: StaticString, codePoints type: C.Type, _ values: UnsafeBufferPointer<UInt16>) {
        let family = C.family
        guard !pretty else {
            key(k); beginArray()
            for v in values { codePointName(family, v) { C(rawValue: v)!.description } }
            endArray()
            return
        }
        keyAndColon(k)
        guard !values.isEmpty else { put(91, 93); return }
        if let tables = codePointListTables, let (json, length) = tables.find(family, values) {
            put(json, length)
            return
        }
        let start = count
        if !Self.writeRememberedNames(family, values, into: &self) {
            put(91)
            var first = true
            for v in values {
                if first { put(34); first = false } else { put(44, 34) }
                appendCodePointName(family, v) { C(rawValue: v)!.description }
                put(34)
            }
            put(93)
        }
        if values.count <= CodePointListMemo.maxValues {
            if codePointLists == nil {
                let memo = CodePointListMemo()
                codePointLists = memo
                codePointListTables = memo.tables
            }
            codePointLists!.remember(family, values, UnsafePointer(base + start), count - start)
        }
    }

    /// The JSON array of the names of `values` when every one is in the name memo: after one room
    /// check, each name copied with its quotes and comma straight into the buffer (a list that
    /// misses the list memo, such as a shuffled extension list, cost ~35 instructions a name
    /// through `put` and `appendCodePointName`). False, with nothing counted, when a name is not
    /// remembered yet or the list is long; the caller then writes it name by name.
    private static func writeRememberedNames(_ family: CodePointFamily, _ values: UnsafeBufferPointer<UInt16>,
                                             into w: inout JSONWriter) -> Bool {
        guard values.count <= CodePointListMemo.maxValues, let slots = w.codePointSlots, let text = w.codePointText else { return false }
        w.reserve(values.count &* 258 &+ 2)   // a name is at most 255 bytes, with quotes and a comma
        let table = slots + (family.rawValue << 16)
        var out = w.base + w.count
        out[0] = 91
        out += 1
        for i in values.indices {
            let slot = table[Int(values[i])]
            guard slot != 0 else { return false }
            if i > 0 { out[0] = 44; out += 1 }
            let length = Int(slot & 0xff)
            out[0] = 34
            copyWords(from: text + Int(slot >> 8), to: out + 1, length)
            out[length &+ 1] = 34
            out += length &+ 2
        }
        out[0] = 93
        w.count = out + 1 - w.base
        return true
    }

    /// True when `JSONRawCursor.codePoint` can write `c`: no value, or a remembered name.
    @inline(__always)
    func remembersName<C: JSONCodePoint>(of c: C?) -> Bool {
        guard let c else { return true }
        return remembersName(C.family, c.rawValue)
    }

    /// `codePointName` inside a string being written in pieces (`beginStringField`).
    mutating func appendToString(codePointName family: CodePointFamily, _ value: UInt16, _ describe: () -> String) {
        appendCodePointName(family, value, describe)
    }

    /// The escaped name, without quotes, from the memo or (the first time) from `describe`.
    @inline(__always)
    private mutating func appendCodePointName(_ family: CodePointFamily, _ value: UInt16, _ describe: () -> String) {
        let index = family.rawValue << 16 | Int(value)
        if let slots = codePointSlots, let text = codePointText {
            let slot = slots[index]
            if slot != 0 {
                let length = Int(slot & 0xff)
                reserve(length)
                Self.copyWords(from: text + Int(slot >> 8), to: base + count, length)
                count &+= length
                return
            }
        }
        let start = count
        appendToString(describe())
        if codePointNames == nil {
            let memo = CodePointNameMemo(families: CodePointFamily.allCases.count)
            codePointNames = memo
            codePointSlots = memo.slots
            codePointText = memo.text
        }
        codePointNames!.remember(index, UnsafePointer(base + start), count - start)
    }

    /// Copies `n` bytes as overlapping words (of eight bytes, or of four, two or one under eight),
    /// reading nothing outside `p..<p+n`: a name is a few words, and `memcpy` costs a call.
    /// Up to 32 bytes (keys, names) there is no loop: where the length is not a constant, a loop
    /// cost ~20 instructions of set-up (the compiler's test for a vectorised copy) per key.
    @inline(__always)
    static func copyWords(from p: UnsafePointer<UInt8>, to out: UnsafeMutablePointer<UInt8>, _ n: Int) {
        let raw = UnsafeRawPointer(p), rawOut = UnsafeMutableRawPointer(out)
        if n >= 8 && n <= 16 {
            let head = raw.loadUnaligned(as: UInt64.self), tail = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            rawOut.storeBytes(of: head, as: UInt64.self)
            rawOut.storeBytes(of: tail, toByteOffset: n &- 8, as: UInt64.self)
        } else if n > 16 && n <= 32 {
            let a = raw.loadUnaligned(as: UInt64.self), b = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let c = raw.loadUnaligned(fromByteOffset: n &- 16, as: UInt64.self), d = raw.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            rawOut.storeBytes(of: a, as: UInt64.self)
            rawOut.storeBytes(of: b, toByteOffset: 8, as: UInt64.self)
            rawOut.storeBytes(of: c, toByteOffset: n &- 16, as: UInt64.self)
            rawOut.storeBytes(of: d, toByteOffset: n &- 8, as: UInt64.self)
        } else if n >= 8 {
            var i = 0
            while i &+ 8 <= n {   // wrapping: an index into a buffer of n bytes, no overflow test per word
                rawOut.storeBytes(of: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                i &+= 8
            }
            if i < n {
                rawOut.storeBytes(of: raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8, as: UInt64.self)
            }
        } else if n >= 4 {
            let head = raw.loadUnaligned(as: UInt32.self), tail = raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
            rawOut.storeBytes(of: head, as: UInt32.self)
            rawOut.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
        } else if n >= 2 {
            let head = raw.loadUnaligned(as: UInt16.self), tail = raw.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self)
            rawOut.storeBytes(of: head, as: UInt16.self)
            rawOut.storeBytes(of: tail, toByteOffset: n - 2, as: UInt16.self)
        } else if n == 1 {
            out[0] = p[0]
        }
    }

    // MARK: - Value bodies (after the prefix)

    @inline(__always)
    private mutating func appendBool(_ v: Bool) { if v { put("true") } else { put("false") } }

    @inline(__always)
    private mutating func appendInteger<T: BinaryInteger>(_ v: T) {
        guard let n = Int64(exactly: v) else {
            var s = String(v)
            s.withUTF8 { put($0.baseAddress!, $0.count) }   // a String's UTF-8 view always has storage
            return
        }
        appendDecimal(n)
    }

    /// `"YYYY-MM-DDTHH:MM:SS.ffffffZ"`. The 19 bytes up to the seconds depend on the whole second
    /// only, and a connection's times mostly share one: they are remembered (`secondText`) and
    /// copied as three words; the microseconds are three digit pairs.
    private mutating func appendTimestamp(_ t: Timestamp) {
        guard t.hasFixedRFC3339Layout else { appendEscaped(t.rfc3339); return }
        reserve(Timestamp.rfc3339Length + 2)
        secondText.writeQuotedTimestamp(t, base + count)
        count &+= Timestamp.rfc3339Length + 2
    }

    /// `"YYYY-MM-DDTHH:MM:SSZ"`, the date and time as `appendTimestamp` writes them.
    private mutating func appendTimestampSeconds(_ t: Timestamp) {
        guard t.hasFixedRFC3339SecondsLayout else { appendEscaped(t.rfc3339Seconds); return }
        reserve(Timestamp.rfc3339SecondsLength + 2)
        let out = base + count
        out[0] = 34
        secondText.writeDateAndTime(t, out + 1)
        out[20] = 90   // Z
        out[21] = 34
        count &+= Timestamp.rfc3339SecondsLength + 2
    }

    /// A string value whose bytes `write` puts in place and counts (at most `maxLength`), between
    /// quotes: text that never needs escaping (times, addresses).
    @inline(__always)
    private mutating func appendQuoted(maxLength: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maxLength + 2)
        base[count] = 34
        let n = write(base + count + 1)
        precondition(n <= maxLength, "wrote past the room asked for")
        base[count + n + 1] = 34
        count += n + 2
    }

    /// "00" to "99": two ASCII digits per entry, read as one 16-bit word (a literal: no lazy global).
    @inline(__always)
    static var digitPairs: UnsafeRawPointer {
        UnsafeRawPointer(("00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899" as StaticString).utf8Start)
    }

    /// `v` in 0...99 as two ASCII digits at `out`: one table load, one store.
    @inline(__always)
    static func writeDigitPair(_ v: UInt64, _ out: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(out).storeBytes(
            of: digitPairs.loadUnaligned(fromByteOffset: Int(truncatingIfNeeded: v) &* 2, as: UInt16.self), as: UInt16.self)
    }

    /// Decimal digits straight into the buffer: no String per number. Numbers under 100 (most in a
    /// report: counts, small lengths) are one or two stores; longer ones are counted by comparison,
    /// then written from the last, a digit pair (from a table) per division by 100.
    @inline(__always)
    private mutating func appendDecimal(_ n: Int64) {
        reserve(20)   // "-9223372036854775808"
        count &+= Self.writeDecimal(n, base + count)
    }

    /// `n` in decimal at `out` (room for 20 bytes); returns the number of bytes.
    @inline(__always)
    static func writeDecimal(_ n: Int64, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        var out = out, sign = 0
        if n < 0 { out[0] = 45; out += 1; sign = 1 }
        let m = n.magnitude
        if m < 10 {
            out[0] = 48 &+ UInt8(truncatingIfNeeded: m)
            return sign &+ 1
        } else if m < 100 {
            writeDigitPair(m, out)
            return sign &+ 2
        }
        return sign &+ writeLongDecimal(m, out)
    }

    /// `m` (at least 100) in decimal at `out`; returns the number of digits.
    static func writeLongDecimal(_ m: UInt64, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        // Counted by comparisons up to seven digits (frame numbers, lengths, byte counts), then by
        // a loop (each step a multiply and a compare more than a comparison).
        var digits: Int
        if m < 10_000 {
            digits = m < 1000 ? 3 : 4
        } else if m < 1_000_000 {
            digits = m < 100_000 ? 5 : 6
        } else {
            digits = 7
            var power: UInt64 = 10_000_000
            while m >= power && digits < 20 { digits &+= 1; power = power &* 10 }   // 10^19 > |Int64.min|
        }
        var m = m
        var i = digits
        while m >= 100 {
            let q = m / 100
            i &-= 2
            writeDigitPair(m &- q &* 100, out + i)
            m = q
        }
        if m >= 10 { writeDigitPair(m, out) } else { out[0] = 48 &+ UInt8(truncatingIfNeeded: m) }
        return digits
    }

    /// `String(v)` for a whole number of microseconds (a rounded duration), without the String:
    /// when `v` is the double nearest `n / 10^6` for an integer `n` with `100 <= |n| < 10^15`
    /// (so 0.0001 <= |v| < 10^9, printed without an exponent), writes the decimal `n / 10^6`
    /// with trailing zeros dropped (at least one decimal) and returns true; else false, writing
    /// nothing. Why that is `String(v)`: Swift prints the shortest decimal that reads back as
    /// `v`; `n / 10^6` reads back as `v` and has at most 15 significant digits, and two decimals
    /// of at most 15 digits never read back as the same double (DBL_DIG), so no shorter one
    /// does. A test compares the two over many values.
    @inline(__always)
    static func writeMicroDecimal(_ v: Double, into w: inout JSONWriter) -> Bool {
        let scaled = (v * 1e6).rounded()
        guard scaled.magnitude >= 100, scaled.magnitude < 1e15 else { return false }
        guard scaled / 1e6 == v else { return false }
        var m = UInt64(scaled.magnitude)
        w.reserve(24)   // sign, 9 + 1 + 6 digits and point
        var out = w.base + w.count
        if v < 0 { out[0] = 45; out += 1 }
        let whole = m / 1_000_000
        m &-= whole &* 1_000_000
        out += writeDecimal(Int64(whole), out)   // whole < 10^9: no sign
        out[0] = 46   // .
        // Six decimals as three pairs, then the trailing zeros dropped (one kept).
        let high = m / 10_000, low = m &- high &* 10_000, middle = low / 100
        writeDigitPair(high, out + 1)
        writeDigitPair(middle, out + 3)
        writeDigitPair(low &- middle &* 100, out + 5)
        var decimals = 6
        while decimals > 1 && out[decimals] == 48 { decimals &-= 1 }
        w.count = out + 1 + decimals - w.base
        return true
    }

    // MARK: - Strings

    private mutating func appendEscaped(_ s: String) {
        // A native String's UTF-8 in place (a small one's copied to the stack) without the copy
        // and release a `var` for `withUTF8` costs; a bridged one (never, on Linux) via withUTF8.
        if s.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            var s = s
            s.withUTF8 { appendEscaped($0) }
        }
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        put(34)
        appendEscapedBody(utf8)
        put(34)
    }

    /// Writes straight into the buffer, without quotes: short clean strings (most) as whole words
    /// (`copyIfClean`), longer ones' clean prefix sixteen bytes at a time (`cjson_copy_clean_prefix`),
    /// anything else through `appendEscapedByteByByte`.
    @inline(__always)
    private mutating func appendEscapedBody(_ utf8: UnsafeBufferPointer<UInt8>) {
        guard let p = utf8.baseAddress else { return }
        let n = utf8.count
        if n < 16 {
            reserve(n)
            if Self.copyIfClean(p, n, to: base + count) {
                count += n
                return
            }
            appendEscapedByteByByte(p, n)
            return
        }
        #if arch(x86_64)
        // Sixteen bytes at a time (SSE2, inlined from CJSONScan): the eight-byte word test took ~25
        // instructions per word, and findings' explanations are hundreds of bytes.
        if n <= 4096 {
            reserve(n)
            let clean = cjson_copy_clean_prefix(p, n, base + count)
            count += clean
            if clean == n { return }
            appendEscapedByteByByte(p + clean, n - clean)
            return
        }
        #endif
        appendEscapedByteByByte(p, n)
    }

    /// Copies `n` bytes from `p` to `out`, testing eight bytes at a time for bytes to escape, and
    /// returns true; returns false if a byte needs escaping (some bytes may have been stored by
    /// then: the caller has not counted them). Under eight bytes, two overlapping loads of half the
    /// size or less make the word (the bytes between appear twice, which does not change the
    /// answer; missing bytes are spaces, which need no escape). A longer string's last partial
    /// word is its last eight bytes, overlapping bytes already stored (the same ones). Nothing
    /// outside `p..<p+n` is read; `out` needs room for `n` bytes.
    @inline(__always)
    private static func copyIfClean(_ p: UnsafePointer<UInt8>, _ n: Int, to out: UnsafeMutablePointer<UInt8>) -> Bool {
        let raw = UnsafeRawPointer(p), rawOut = UnsafeMutableRawPointer(out)
        if n < 8 {
            if n >= 4 {
                let head = raw.loadUnaligned(as: UInt32.self), tail = raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
                guard !needsEscape(UInt64(head) | UInt64(tail) << 32) else { return false }
                rawOut.storeBytes(of: head, as: UInt32.self)
                rawOut.storeBytes(of: tail, toByteOffset: n - 4, as: UInt32.self)
            } else if n >= 2 {
                let head = raw.loadUnaligned(as: UInt16.self), tail = raw.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self)
                guard !needsEscape(UInt64(head) | UInt64(tail) << 16 | 0x2020_2020_0000_0000) else { return false }
                rawOut.storeBytes(of: head, as: UInt16.self)
                rawOut.storeBytes(of: tail, toByteOffset: n - 2, as: UInt16.self)
            } else if n == 1 {
                guard !needsEscape(UInt64(p[0]) | 0x2020_2020_2020_2000) else { return false }
                out[0] = p[0]
            }
            return true
        }
        var i = 0
        while i &+ 8 <= n {   // wrapping, as in `copyWords`
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            guard !needsEscape(w) else { return false }
            UnsafeMutableRawPointer(out + i).storeBytes(of: w, as: UInt64.self)
            i &+= 8
        }
        if i < n {
            let w = UnsafeRawPointer(p + n - 8).loadUnaligned(as: UInt64.self)
            guard !needsEscape(w) else { return false }
            UnsafeMutableRawPointer(out + n - 8).storeBytes(of: w, as: UInt64.self)
        }
        return true
    }

    /// The general case of `appendEscapedBody`: room for the worst case (every byte as `\u00XX`)
    /// is made once per 4 KB of input, then `escapeByteByByte`.
    private mutating func appendEscapedByteByByte(_ p: UnsafePointer<UInt8>, _ n: Int) {
        var i = 0
        while i < n {
            let chunk = min(n - i, 4096)
            reserve(chunk * 6)
            count += Self.escapeByteByByte(p + i, chunk, base + count)
            i += chunk
        }
    }

    /// `p[0..<n]` escaped at `out`, which has room for `6 * n` bytes (every byte as `\u00XX`);
    /// returns the bytes written. Clean eight-byte words are stored whole, other bytes one at a time.
    static func escapeByteByByte(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: UnsafeMutablePointer<UInt8>) -> Int {
        var i = 0, c = 0
        while i < n {
            if i + 8 <= n {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if !needsEscape(w) {
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
                out[c + 4] = hexDigit(b >> 4); out[c + 5] = hexDigit(b & 0xf)
                c += 6
            }
        }
        return c
    }

    /// `appendEscapedBody` into room already made: `utf8` escaped at `out`, which has room for
    /// `6 * utf8.count` bytes; returns the bytes written (`JSONRawCursor.string`).
    @inline(__always)
    static func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let p = utf8.baseAddress else { return 0 }
        let n = utf8.count
        if n < 16 {
            if copyIfClean(p, n, to: out) { return n }
            return escapeByteByByte(p, n, out)
        }
        #if arch(x86_64)
        let clean = cjson_copy_clean_prefix(p, n, out)
        if clean == n { return n }
        return clean + escapeByteByByte(p + clean, n - clean, out + clean)
        #else
        return escapeByteByByte(p, n, out)
        #endif
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

/// The escaped names of `JSONWriter.codePointName`: per family 65,536 slots (one per 16-bit
/// value, 1.5 MB in all) pointing into one arena of names. The arena is reserved at its largest
/// (16 MB of address space; only the pages written are memory) so that it never moves.
private final class CodePointNameMemo {
    /// 0: not looked up yet; else the name's offset in `text` << 8 | its length in bytes.
    let slots: UnsafeMutablePointer<UInt32>
    let text: UnsafeMutablePointer<UInt8>
    private var textCount = 0
    /// Offsets have 24 bits.
    private static let textCapacity = 1 << 24

    init(families: Int) {
        slots = .allocate(capacity: families << 16)
        slots.initialize(repeating: 0, count: families << 16)
        text = .allocate(capacity: Self.textCapacity)
    }

    deinit {
        slots.deallocate()
        text.deallocate()
    }

    /// An empty or longer name than a length byte holds (none is), or one past the arena's end,
    /// is not kept (and is looked up again next time).
    func remember(_ index: Int, _ name: UnsafePointer<UInt8>, _ length: Int) {
        guard length > 0, length <= 0xff, textCount + length <= Self.textCapacity else { return }
        (text + textCount).update(from: name, count: length)
        slots[index] = UInt32(textCount) << 8 | UInt32(length)
        textCount += length
    }
}

/// The compact JSON of code-point lists (`JSONWriter.field(_:codePoints:)`), by family and values:
/// a direct-mapped table of `slotCount` lists whose values and JSON live in two arenas. A slot is
/// replaced by a later list of the same hash; once an arena is full nothing more is remembered, so
/// a capture of endless distinct lists costs at most the arenas (2.3 MB of address space, only the
/// pages written are memory) and is then written name by name.
final class CodePointListMemo {
    static let maxValues = 512
    private static let slotCount = 1024
    private static let valueCapacity = 1 << 17
    private static let jsonCapacity = 1 << 21

    fileprivate struct Slot {
        var hash: UInt64 = 0
        var family: Int32 = -1
        var count: Int32 = 0
        var valuesAt: Int32 = 0
        var jsonAt: Int32 = 0
        var jsonLength: Int32 = 0
    }
    /// The memo's memory, which never moves: the writer keeps a copy to look lists up without
    /// retaining the memo (a retain and release cost as much as the rest of a lookup).
    struct Tables {
        fileprivate let slots: UnsafeMutablePointer<Slot>
        fileprivate let values: UnsafeMutablePointer<UInt16>
        fileprivate let json: UnsafeMutablePointer<UInt8>

        /// The remembered JSON of this list, if any.
        @inline(__always)
        func find(_ family: JSONWriter.CodePointFamily, _ list: UnsafeBufferPointer<UInt16>) -> (UnsafePointer<UInt8>, Int)? {
            let h = CodePointListMemo.hash(family, list)
            let slot = slots[CodePointListMemo.slotIndex(h)]
            guard slot.hash == h, slot.family == Int32(family.rawValue), Int(slot.count) == list.count,
                  let start = list.baseAddress,
                  Self.equal(UnsafeRawPointer(values + Int(slot.valuesAt)), UnsafeRawPointer(start), list.count &* 2) else { return nil }
            return (UnsafePointer(json + Int(slot.jsonAt)), Int(slot.jsonLength))
        }

        /// `memcmp(a, b, n) == 0` for an even `n` of at least 2, eight bytes at a time in place (a
        /// list is a few dozen bytes; the call to memcmp cost more than the comparison). The last
        /// partial word overlaps bytes already compared; under eight bytes, two overlapping halves.
        @inline(__always)
        static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
            if n >= 8 {
                var i = 0
                while i &+ 8 <= n {
                    guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
                    i &+= 8
                }
                return i == n || a.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
            }
            if n >= 4 {
                return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                    && a.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
            }
            return a.loadUnaligned(as: UInt16.self) == b.loadUnaligned(as: UInt16.self)
        }
    }
    let tables: Tables
    private var slots: UnsafeMutablePointer<Slot> { tables.slots }
    private var values: UnsafeMutablePointer<UInt16> { tables.values }
    private var json: UnsafeMutablePointer<UInt8> { tables.json }
    private var valueCount = 0
    private var jsonCount = 0

    init() {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
        tables = Tables(slots: slots, values: .allocate(capacity: Self.valueCapacity), json: .allocate(capacity: Self.jsonCapacity))
    }

    deinit {
        slots.deallocate()
        values.deallocate()
        json.deallocate()
    }

    /// Four values per step (a ClientHello's lists are dozens long), then a final mix so that
    /// every value bit reaches the low bits `slotIndex` takes.
    @inline(__always)
    fileprivate static func hash(_ family: JSONWriter.CodePointFamily, _ list: UnsafeBufferPointer<UInt16>) -> UInt64 {
        var h = 0xcbf2_9ce4_8422_2325 ^ UInt64(family.rawValue) &* 0x9e37_79b9_7f4a_7c15 ^ UInt64(list.count)
        guard let start = list.baseAddress else { return h }
        let raw = UnsafeRawPointer(start), n = list.count
        var i = 0
        while i + 4 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i &* 2, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            i &+= 4
        }
        while i < n { h = (h ^ UInt64(start[i])) &* 0x0000_0100_0000_01b3; i &+= 1 }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        return h ^ h >> 33
    }

    @inline(__always)
    fileprivate static func slotIndex(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & (slotCount - 1) }

    func remember(_ family: JSONWriter.CodePointFamily, _ list: UnsafeBufferPointer<UInt16>, _ text: UnsafePointer<UInt8>, _ length: Int) {
        guard valueCount + list.count <= Self.valueCapacity, jsonCount + length <= Self.jsonCapacity else { return }
        let h = Self.hash(family, list)
        (values + valueCount).update(from: list.baseAddress!, count: list.count)
        (json + jsonCount).update(from: text, count: length)
        slots[Self.slotIndex(h)] = Slot(hash: h, family: Int32(family.rawValue), count: Int32(list.count),
                                         valuesAt: Int32(valueCount), jsonAt: Int32(jsonCount), jsonLength: Int32(length))
        valueCount += list.count
        jsonCount += length
    }
}

/// The text `YYYY-MM-DDTHH:MM:SS` of the last whole second a time was written for, and the date of
/// the last day: a connection's times mostly share both, so most times cost a copy of three words
/// and the microseconds' three digit pairs.
struct JSONSecondText {
    /// The date of the last day a time was written for.
    private var days = RFC3339DayCache()
    /// The whole second `text` holds the text of (`Int64.min`: none yet).
    private var second = Int64.min
    /// Bytes 0-7, 8-15 and 11-18 of `YYYY-MM-DDTHH:MM:SS` for `second`.
    private var text: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// The 19 bytes `YYYY-MM-DDTHH:MM:SS` of `t` (which has the fixed layout) at `out`, which has
    /// room for 20: from `text` when `t` is in the second written last, else from
    /// `Timestamp.writeRFC3339Seconds` (its 20th byte is overwritten by the caller).
    @inline(__always)
    mutating func writeDateAndTime(_ t: Timestamp, _ out: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(out)
        if t.seconds == second {
            raw.storeBytes(of: text.0, as: UInt64.self)
            raw.storeBytes(of: text.1, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: text.2, toByteOffset: 11, as: UInt64.self)
            return
        }
        t.writeRFC3339Seconds(into: out, days: &days)
        second = t.seconds
        text = (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                raw.loadUnaligned(fromByteOffset: 11, as: UInt64.self))
    }

    /// `"YYYY-MM-DDTHH:MM:SS.ffffffZ"` with its quotes (29 bytes) at `out`, for a `t` with
    /// `hasFixedRFC3339Layout`: the date and time, then the microseconds as three digit pairs.
    @inline(__always)
    mutating func writeQuotedTimestamp(_ t: Timestamp, _ out: UnsafeMutablePointer<UInt8>) {
        out[0] = 34
        writeDateAndTime(t, out + 1)
        out[20] = 46   // .
        let micros = UInt64(truncatingIfNeeded: t.nanoseconds / 1000)   // 0...999_999 (fixed layout)
        let high = micros / 10_000, low = micros &- high &* 10_000, middle = low / 100
        JSONWriter.writeDigitPair(high, out + 21)
        JSONWriter.writeDigitPair(middle, out + 23)
        JSONWriter.writeDigitPair(low &- middle &* 100, out + 25)
        out[27] = 90   // Z
        out[28] = 34
    }
}

/// Where a value begun by `JSONWriter.beginRawValue` is written: a position in room already made.
struct JSONRawCursor {
    var p: UnsafeMutablePointer<UInt8>
    /// Where the value starts (`endRawValue` counts from it).
    let start: UnsafeMutablePointer<UInt8>
    /// The writer's `secondText`, handed back by `endRawValue`.
    var secondText: JSONSecondText
    /// The writer's memo of code-point names (`rememberedName`), when made.
    let nameSlots: UnsafeMutablePointer<UInt32>?
    let nameText: UnsafeMutablePointer<UInt8>?

    /// Room for `string(s)`: every byte escaped as `\u00XX`, and the quotes (or `null`).
    @inline(__always)
    static func room(_ s: String?) -> Int {
        guard let s else { return 4 }
        return 6 &* s.utf8.count &+ 2
    }

    /// A string, escaped as `JSONWriter.string` escapes it, in room made for it (`room(s)`).
    @inline(__always)
    mutating func string(_ s: String) {
        p[0] = 34
        let out = p + 1
        if let n = s.utf8.withContiguousStorageIfAvailable({ JSONWriter.writeEscaped($0, to: out) }) {
            p = out + n
        } else {
            var s = s
            p = out + s.withUTF8 { JSONWriter.writeEscaped($0, to: out) }
        }
        p[0] = 34
        p += 1
    }

    /// `string(s)` or `null`.
    @inline(__always)
    mutating func string(_ s: String?) {
        if let s { string(s) } else { syntax("null") }
    }

    /// A code point's remembered name, quoted, or `null` (`JSONWriter.remembersName(of:)` was
    /// true): at most 257 bytes.
    @inline(__always)
    mutating func codePoint<C: JSONCodePoint>(_ c: C?) {
        guard let c else { syntax("null"); return }
        byte(34)
        rememberedName(C.family, c.rawValue)
        byte(34)
    }

    /// Bytes or 16-bit numbers between brackets: at most 6 bytes each (a comma included) and 2.
    @inline(__always)
    mutating func ints<T: FixedWidthInteger & UnsignedInteger>(_ list: [T]) {
        precondition(T.bitWidth <= 16, "at most 6 bytes a number")
        byte(91)
        var first = true
        for v in list {
            if !first { byte(44) }
            first = false
            int(Int(v))
        }
        byte(93)
    }

    /// Room for `strings(list)`.
    static func room(_ list: [String]) -> Int {
        var n = 2
        for s in list { n += room(s) + 1 }
        return n
    }

    /// Strings between brackets (`room(list)`).
    @inline(__always)
    mutating func strings(_ list: [String]) {
        byte(91)
        var first = true
        for s in list {
            if !first { byte(44) }
            first = false
            string(s)
        }
        byte(93)
    }

    /// `true`, `false` or `null`.
    @inline(__always)
    mutating func bool(_ v: Bool?) {
        guard let v else { syntax("null"); return }
        bool(v)
    }

    /// A time with `hasFixedRFC3339Layout` (the caller checks), quoted: 29 bytes.
    @inline(__always)
    mutating func timestamp(_ t: Timestamp) {
        secondText.writeQuotedTimestamp(t, p)
        p += Timestamp.rfc3339Length + 2
    }

    /// The escaped name of a code point that `JSONWriter.remembersName` said is remembered,
    /// without quotes: at most 255 bytes.
    @inline(__always)
    mutating func rememberedName(_ family: JSONWriter.CodePointFamily, _ value: UInt16) {
        let slot = nameSlots![family.rawValue << 16 | Int(value)]
        let length = Int(slot & 0xff)
        precondition(length > 0, "a name not remembered")
        JSONWriter.copyWords(from: nameText! + Int(slot >> 8), to: p, length)
        p += length
    }

    /// JSON syntax and keys from this code base (`,"key":`), copied without the escape test:
    /// they are written as JSON, not escaped into it.
    @inline(__always)
    mutating func syntax(_ s: StaticString) {
        if s.hasPointerRepresentation {
            let n = s.utf8CodeUnitCount
            JSONWriter.copyWords(from: s.utf8Start, to: p, n)
            p += n
        } else {
            s.withUTF8Buffer { b in
                for byte in b { p[0] = byte; p += 1 }
            }
        }
    }

    /// One byte of syntax (a one-character literal is not stored as a pointer, so `syntax` would loop).
    @inline(__always)
    mutating func byte(_ b: UInt8) { p[0] = b; p += 1 }

    /// At most 20 bytes.
    @inline(__always)
    mutating func int(_ v: Int) { p += JSONWriter.writeDecimal(Int64(v), p) }

    /// At most 20 bytes.
    @inline(__always)
    mutating func int(_ v: Int?) {
        if let v { int(v) } else { syntax("null") }
    }

    /// At most 5 bytes.
    @inline(__always)
    mutating func bool(_ v: Bool) { if v { syntax("true") } else { syntax("false") } }
}
