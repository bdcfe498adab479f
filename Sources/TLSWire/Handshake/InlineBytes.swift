/// A short byte string kept in the value itself: up to 32 bytes (a hello's random and session id, its
/// ec_point_formats and psk_key_exchange_modes lists) with no allocation; a longer one, which only a
/// hand-built hello can hold (the parsers refuse longer session ids, the lists are a few bytes), in an
/// array. The hello's public properties still give `[UInt8]`, made when read.
///
/// Why: every array a hello holds was one malloc on the packet thread and one free on the render thread
/// (about 300 and 150 instructions: the packet thread's allocator cache is always empty, its blocks are
/// freed on the other thread). These four were about six of a connection's thirty allocations.
struct InlineBytes: Sendable, Hashable {
    static let capacity = 32
    /// Bytes 0..<count, big-endian in word order (byte 0 is the top byte of `words.0`); zero past `count`,
    /// so equal byte strings have equal words.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var inlineCount: UInt8 = 0
    /// The bytes when there are more than `capacity` (then `words` and `inlineCount` stay zero).
    private var longer: [UInt8]?

    init() {}

    /// `count` zero bytes (at most `capacity`): the default random.
    init(zeros count: Int) {
        precondition(count <= Self.capacity)
        inlineCount = UInt8(count)
    }

    init(_ bytes: [UInt8]) {
        if bytes.count > Self.capacity {
            longer = bytes
        } else {
            bytes.withUnsafeBufferPointer { self = InlineBytes($0) }
        }
    }

    /// The bytes of `b`, which must hold at most `capacity` (the parsers' fast paths check it first).
    init(_ b: UnsafeBufferPointer<UInt8>) {
        precondition(b.count <= Self.capacity, "InlineBytes holds at most 32 bytes")
        inlineCount = UInt8(b.count)
        withUnsafeMutableBytes(of: &words) { raw in
            // Bytes in order in memory, then each word turned to big-endian order: `words` then reads the
            // same on any host and compares as the byte strings do.
            for i in 0..<b.count { raw[i] = b[i] }
        }
        words = (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1), UInt64(bigEndian: words.2), UInt64(bigEndian: words.3))
    }

    var count: Int { longer?.count ?? Int(inlineCount) }
    var isEmpty: Bool { count == 0 }

    /// The byte at `i` (< `count`).
    subscript(i: Int) -> UInt8 {
        if let longer { return longer[i] }
        precondition(i >= 0 && i < Int(inlineCount), "index \(i) out of range")
        let word: UInt64
        switch i >> 3 {
        case 0: word = words.0
        case 1: word = words.1
        case 2: word = words.2
        default: word = words.3
        }
        return UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * (i & 7)))
    }

    /// The bytes as an array (allocates, except when empty).
    var array: [UInt8] {
        if let longer { return longer }
        let n = Int(inlineCount)
        guard n > 0 else { return [] }
        var be = (words.0.bigEndian, words.1.bigEndian, words.2.bigEndian, words.3.bigEndian)
        return withUnsafeBytes(of: &be) { Array($0.prefix(n)) }
    }

    static func == (a: InlineBytes, b: InlineBytes) -> Bool {
        a.inlineCount == b.inlineCount && a.words == b.words && a.longer == b.longer
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(inlineCount)
        hasher.combine(words.0); hasher.combine(words.1); hasher.combine(words.2); hasher.combine(words.3)
        hasher.combine(longer)
    }
}
