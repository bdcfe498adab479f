/// Fast paths for well-formed input (nearly all of it): read straight from memory, no `HandshakeReader`,
/// no intermediate arrays. Each returns nil for anything it does not accept *exactly* as the checked
/// decoder would; the caller then runs the checked decoder, which says what is wrong (same errors, same
/// texts). Every read is bounds-checked against the buffer first: these are total like the checked ones.
///
/// `Tests/TLSWireTests/HandshakeFastPathTests.swift` compares both paths on seeded mutations of real messages.
enum WellFormed {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    @inline(__always)
    static func u16(_ b: Bytes, _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }

    @inline(__always)
    static func u16be(_ b: Bytes, _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }

    @inline(__always)
    static func copy(_ b: Bytes, _ start: Int, _ count: Int) -> [UInt8] {
        count == 0 ? [] : Array(UnsafeBufferPointer(rebasing: b[start..<(start + count)]))
    }

    @inline(__always)
    static func text(_ b: Bytes, _ start: Int, _ count: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<(start + count)]), as: UTF8.self)
    }

    /// `count` 16-bit big-endian values from `start`, as code points, in one array sized up front.
    @inline(__always)
    static func codePoints<T>(_ b: Bytes, _ start: Int, _ count: Int, as make: (UInt16) -> T) -> [T] {
        guard count > 0 else { return [] }
        // reserveCapacity + append: `Array(unsafeUninitializedCapacity:)` looks its storage type up
        // generically (~550 instructions per array).
        var out: [T] = []
        out.reserveCapacity(count)
        var i = start
        for _ in 0..<count {
            out.append(make(UInt16(b[i]) << 8 | UInt16(b[i + 1])))
            i += 2
        }
        return out
    }

    /// A list of 16-bit code points behind a 1- or 2-byte length that fills `d` exactly.
    static func uint16List<T>(_ d: Bytes, lengthBytes: Int, as make: (UInt16) -> T) -> [T]? {
        guard d.count >= lengthBytes else { return nil }
        let length = lengthBytes == 1 ? Int(d[0]) : u16(d, 0)
        guard length == d.count - lengthBytes, length % 2 == 0 else { return nil }
        return codePoints(d, lengthBytes, length / 2, as: make)
    }

    /// `uint16List` read through `SharedLists`: `shared(d, start, count)` gives the list of the `count`
    /// values from `start`.
    @inline(__always)
    static func sharedUInt16List<T>(_ d: Bytes, lengthBytes: Int, _ shared: (Bytes, Int, Int) -> [T]) -> [T]? {
        guard d.count >= lengthBytes else { return nil }
        let length = lengthBytes == 1 ? Int(d[0]) : u16(d, 0)
        guard length == d.count - lengthBytes, length % 2 == 0 else { return nil }
        return shared(d, lengthBytes, length / 2)
    }

    /// `opaque x<..>` with a 1-byte length that fills `d` exactly, of at most `InlineBytes.capacity` bytes
    /// (nearly all: ec_point_formats and psk_key_exchange_modes are a few bytes); nil for anything else.
    static func shortByteList(_ d: Bytes) -> InlineBytes? {
        guard d.count >= 1, Int(d[0]) == d.count - 1, d.count - 1 <= InlineBytes.capacity else { return nil }
        return InlineBytes(UnsafeBufferPointer(rebasing: d[1...]))
    }

    /// True when `d` is exactly `opaque x<..>` with a `lengthBytes` length.
    static func isVector(_ d: Bytes, lengthBytes: Int) -> Bool {
        guard d.count >= lengthBytes else { return false }
        let length = lengthBytes == 1 ? Int(d[0]) : u16(d, 0)
        return length == d.count - lengthBytes
    }

    /// A bare uint16 filling `d`.
    static func uint16(_ d: Bytes) -> UInt16? {
        d.count == 2 ? UInt16(d[0]) << 8 | UInt16(d[1]) : nil
    }

    /// `ExtensionDecoders.serverNames` on well-formed data: a non-empty list filling `d` exactly.
    static func serverNames(_ d: Bytes) -> [String]? {
        guard d.count >= 2, u16(d, 0) == d.count - 2, d.count > 2 else { return nil }
        var i = 2, hostNames = 0
        while i < d.count {
            guard d.count - i >= 3 else { return nil }
            let length = u16(d, i + 1)
            guard d.count - i - 3 >= length else { return nil }
            if d[i] == 0 { hostNames += 1 }
            i += 3 + length
        }
        var names: [String] = []
        names.reserveCapacity(hostNames)
        i = 2
        while i < d.count {
            let length = u16(d, i + 1)
            if d[i] == 0 { names.append(text(d, i + 3, length)) }
            i += 3 + length
        }
        return names
    }

    /// `alpn` through `SharedLists` (the same two or three names come in nearly every hello).
    static func sharedALPN(_ d: Bytes) -> [String]? {
        SharedLists.alpnNames(key: d) { alpn(d) }
    }

    /// `serverNames` through `SharedLists` (connections to one host repeat its name).
    static func sharedServerNames(_ d: Bytes) -> [String]? {
        SharedLists.serverNames(key: d) { serverNames(d) }
    }

    /// `ExtensionDecoders.alpn` on well-formed data.
    static func alpn(_ d: Bytes) -> [String]? {
        guard d.count >= 2, u16(d, 0) == d.count - 2 else { return nil }
        var i = 2, n = 0
        while i < d.count {
            let length = Int(d[i])
            guard d.count - i - 1 >= length else { return nil }
            i += 1 + length
            n += 1
        }
        var names: [String] = []
        names.reserveCapacity(n)
        i = 2
        while i < d.count {
            let length = Int(d[i])
            names.append(text(d, i + 1, length))
            i += 1 + length
        }
        return names
    }

    /// `ExtensionDecoders.clientKeyShares` on well-formed data: the groups of the entries.
    static func clientKeyShares(_ d: Bytes) -> [NamedGroup]? {
        guard d.count >= 2, u16(d, 0) == d.count - 2 else { return nil }
        var i = 2, n = 0
        while i < d.count {
            guard d.count - i >= 4 else { return nil }
            let length = u16(d, i + 2)
            guard d.count - i - 4 >= length else { return nil }
            i += 4 + length
            n += 1
        }
        guard n > 0 else { return [] }
        if n <= 16 {
            // Nearly always (one to three shares): the groups gathered, then the shared list of them.
            return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: n) { groups in
                i = 2
                for k in 0..<n {
                    groups[k] = u16be(d, i)
                    i += 4 + u16(d, i + 2)
                }
                return SharedLists.namedGroups(count: n) { groups[$0] }
            }
        }
        var groups: [NamedGroup] = []
        groups.reserveCapacity(n)
        i = 2
        while i < d.count {
            groups.append(NamedGroup(rawValue: UInt16(d[i]) << 8 | UInt16(d[i + 1])))
            i += 4 + u16(d, i + 2)
        }
        return groups
    }

    /// The number of entries of an extension block whose entries fill `b[start..<end]` exactly, or nil.
    static func extensionCount(_ b: Bytes, _ start: Int, _ end: Int) -> Int? {
        var i = start, n = 0
        while end - i >= 4 {
            let length = u16(b, i + 2)
            guard end - i - 4 >= length else { return nil }
            i += 4 + length
            n += 1
        }
        return i == end ? n : nil
    }

    /// The `count` entries of the block `b[start..<end]` validated by `extensionCount`, their data slices
    /// of one copy of the block.
    static func extensions(_ b: Bytes, _ start: Int, _ end: Int, count: Int) -> [TLSExtension] {
        guard count > 0 else { return [] }
        let owned = copy(b, start, end - start)
        return extensions(slicing: owned, from: 0, count: count)
    }

    /// The `count` entries from `owned[start...]` of a block validated by `extensionCount`, their data
    /// slices of `owned` itself (an array that already is a copy: a lazily decoded hello's body).
    static func extensions(slicing owned: [UInt8], from start: Int, count: Int) -> [TLSExtension] {
        guard count > 0 else { return [] }
        var out: [TLSExtension] = []
        out.reserveCapacity(count)
        var i = start
        for _ in 0..<count {
            let length = Int(owned[i + 2]) << 8 | Int(owned[i + 3])
            out.append(TLSExtension(type: ExtensionType(rawValue: UInt16(owned[i]) << 8 | UInt16(owned[i + 1])),
                                    slice: owned[(i + 4)..<(i + 4 + length)]))
            i += 4 + length
        }
        return out
    }
}
