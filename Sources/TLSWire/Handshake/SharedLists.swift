import Synchronization

/// The lists that hellos repeat connection after connection (a client program sends the same cipher
/// suites, groups, signature algorithms, versions, key-share groups and ALPN names every time, give or
/// take a GREASE value, and many connections go to the same host names), shared between the hellos that carry the same values instead of one new array
/// each. Arrays are values: sharing one is invisible except that it is not allocated again.
///
/// Why: each was a malloc on the packet thread and a free on the render thread; six lists were about a
/// fifth of a connection's allocations (with glibc's malloc, which release builds no longer use, each
/// malloc cost ~300 instructions, as the packet thread's cache was always emptied by the other thread's
/// frees). A hit costs a hash, a compare and a retain.
///
/// A small direct-mapped table per kind (the last list seen in each slot), behind one lock: bounded
/// memory whatever the input (`maxKeyBytes`), and input that never repeats only replaces slots. Several capture inputs
/// (`--jobs`) parse on several threads, hence the lock (uncontended it is two atomic operations).
enum SharedLists {
    /// Slots per kind. One client program's lists vary in their GREASE values (16 each), so a handful
    /// of programs needs some dozens of slots per kind.
    static let slotCount = 256
    /// Lists longer than this (in wire bytes) are made afresh and not kept: real ones are a few dozen
    /// bytes, and hostile ones (up to 64 KB each) must not make the tables hold megabytes.
    static let maxKeyBytes = 512

    private struct Tables {
        var suites = CodePointTable<CipherSuite>()
        var groups = CodePointTable<NamedGroup>()
        var schemes = CodePointTable<SignatureScheme>()
        var versions = CodePointTable<ProtocolVersion>()
        var alpn = NameListTable()
        var serverNames = NameListTable()
    }

    /// The tables, read and written only under `lock`.
    private final class Storage: @unchecked Sendable {
        var tables = Tables()
    }
    private static let storage = Storage()
    private static let lock = Mutex(())

    /// `body` on the tables, under the lock.
    @inline(__always)
    private static func withTables<R>(_ body: (inout Tables) -> R) -> R {
        lock.withLock { _ in body(&storage.tables) }
    }

    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// `count` big-endian 16-bit values from `b[start...]` as cipher suites.
    static func cipherSuites(_ b: Bytes, _ start: Int, _ count: Int) -> [CipherSuite] {
        let key = UnsafeBufferPointer(rebasing: b[start..<(start + 2 * count)])
        return withTables { $0.suites.list(key, CipherSuite.init(rawValue:)) }
    }

    static func namedGroups(_ b: Bytes, _ start: Int, _ count: Int) -> [NamedGroup] {
        let key = UnsafeBufferPointer(rebasing: b[start..<(start + 2 * count)])
        return withTables { $0.groups.list(key, NamedGroup.init(rawValue:)) }
    }

    /// Groups given by `group(i)` for i in 0..<count (the key shares' groups, which do not lie together).
    static func namedGroups(count: Int, _ group: (Int) -> UInt16) -> [NamedGroup] {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * count) { key in
            for i in 0..<count {
                key[2 * i] = UInt8(truncatingIfNeeded: group(i) >> 8)
                key[2 * i + 1] = UInt8(truncatingIfNeeded: group(i))
            }
            return withTables { $0.groups.list(UnsafeBufferPointer(key), NamedGroup.init(rawValue:)) }
        }
    }

    static func signatureSchemes(_ b: Bytes, _ start: Int, _ count: Int) -> [SignatureScheme] {
        let key = UnsafeBufferPointer(rebasing: b[start..<(start + 2 * count)])
        return withTables { $0.schemes.list(key, SignatureScheme.init(rawValue:)) }
    }

    static func protocolVersions(_ b: Bytes, _ start: Int, _ count: Int) -> [ProtocolVersion] {
        let key = UnsafeBufferPointer(rebasing: b[start..<(start + 2 * count)])
        return withTables { $0.versions.list(key, ProtocolVersion.init(rawValue:)) }
    }

    /// The ALPN names of an extension whose data is `key`, made by `make` when the table does not hold
    /// them (nil, for data that is not a well-formed list, is returned and not kept).
    static func alpnNames(key: Bytes, _ make: () -> [String]?) -> [String]? {
        withTables { $0.alpn.list(key, make) }
    }

    /// The host names of a server_name extension whose data is `key`, as `alpnNames`.
    static func serverNames(key: Bytes, _ make: () -> [String]?) -> [String]? {
        withTables { $0.serverNames.list(key, make) }
    }

    /// A hash of `key`, eight bytes a step.
    @inline(__always)
    static func slot(of key: Bytes) -> Int {
        let n = key.count
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        guard let base = key.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while n - i >= 8 {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
            i += 8
        }
        var tail: UInt64 = 0
        while i < n {
            tail = tail << 8 | UInt64(key[i])
            i += 1
        }
        h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: (h >> 32) % UInt64(slotCount))
    }

    /// The two byte strings are equal (eight bytes a step).
    @inline(__always)
    static func same(_ a: Bytes, _ b: Bytes) -> Bool {
        let n = a.count
        guard n == b.count else { return false }
        guard n > 0, let pa = a.baseAddress, let pb = b.baseAddress else { return true }
        let ra = UnsafeRawPointer(pa), rb = UnsafeRawPointer(pb)
        var i = 0
        while n - i >= 8 {
            if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }
}

/// One kind of code-point list, keyed by its wire bytes (big-endian pairs): slot `slot(of: key)` holds
/// the last list that hashed there, and its key.
private struct CodePointTable<Element> {
    private var keys = [[UInt8]](repeating: [], count: SharedLists.slotCount)
    private var lists = [[Element]](repeating: [], count: SharedLists.slotCount)

    /// The list of the values in `key`: the slot's array when it holds exactly these values, else a new
    /// one (which then takes the slot).
    mutating func list(_ key: UnsafeBufferPointer<UInt8>, _ make: (UInt16) -> Element) -> [Element] {
        guard !key.isEmpty else { return [] }
        guard key.count <= SharedLists.maxKeyBytes else { return WellFormed.codePoints(key, 0, key.count / 2, as: make) }
        let s = SharedLists.slot(of: key)
        if keys[s].withUnsafeBufferPointer({ SharedLists.same($0, key) }) { return lists[s] }
        let fresh = WellFormed.codePoints(key, 0, key.count / 2, as: make)
        keys[s] = Array(key)
        lists[s] = fresh
        return fresh
    }
}

/// Lists of names (ALPN, host names) keyed by their extension's exact bytes: the decoding is lossy
/// (replacement characters), so two byte strings can give the same text.
private struct NameListTable {
    private var keys = [[UInt8]](repeating: [], count: SharedLists.slotCount)
    private var values = [[String]](repeating: [], count: SharedLists.slotCount)

    mutating func list(_ key: UnsafeBufferPointer<UInt8>, _ make: () -> [String]?) -> [String]? {
        guard key.count <= SharedLists.maxKeyBytes else { return make() }
        let s = SharedLists.slot(of: key)
        // An empty key never matches: the empty slots' keys are empty too.
        if !key.isEmpty && keys[s].withUnsafeBufferPointer({ SharedLists.same($0, key) }) { return values[s] }
        guard let fresh = make() else { return nil }
        keys[s] = Array(key)
        values[s] = fresh
        return fresh
    }
}
