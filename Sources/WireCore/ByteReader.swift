/// A cursor over bytes that never traps: every read returns `nil` on short input.
///
/// Modelled on NIO's `ByteBuffer.readInteger` and swift-asn1's slice cursor. It works on an
/// `ArraySlice<UInt8>`, so sub-readers share storage with their parent (no copies); indices
/// are those of the underlying array, so callers must use `startIndex`-relative access only.
public struct ByteReader: Sendable {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public var remaining: Int { bytes.count }
    public var isAtEnd: Bool { bytes.isEmpty }

    public mutating func readUInt8() -> UInt8? {
        guard let b = bytes.first else { return nil }
        bytes = bytes.dropFirst()
        return b
    }

    public mutating func readUInt16() -> UInt16? {
        guard bytes.count >= 2 else { return nil }
        let i = bytes.startIndex
        let v = UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
        bytes = bytes.dropFirst(2)
        return v
    }

    public mutating func readUInt24() -> UInt32? {
        guard bytes.count >= 3 else { return nil }
        let i = bytes.startIndex
        let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
        bytes = bytes.dropFirst(3)
        return v
    }

    public mutating func readUInt32() -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        let i = bytes.startIndex
        let v = UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
        bytes = bytes.dropFirst(4)
        return v
    }

    public mutating func readSlice(length: Int) -> ArraySlice<UInt8>? {
        guard length >= 0, bytes.count >= length else { return nil }
        let s = bytes.prefix(length)
        bytes = bytes.dropFirst(length)
        return s
    }

    /// Reads a vector prefixed by a 1-, 2- or 3-byte big-endian length (TLS `<0..2^8-1>` etc.).
    public mutating func readLengthPrefixed(lengthBytes: Int) -> ArraySlice<UInt8>? {
        var probe = self
        let length: Int?
        switch lengthBytes {
        case 1: length = probe.readUInt8().map(Int.init)
        case 2: length = probe.readUInt16().map(Int.init)
        case 3: length = probe.readUInt24().map(Int.init)
        default: length = nil
        }
        guard let n = length, let s = probe.readSlice(length: n) else { return nil }
        self = probe
        return s
    }

    /// Reads a length-prefixed vector and hands a sub-reader over exactly its bytes.
    public mutating func readLengthPrefixedReader(lengthBytes: Int) -> ByteReader? {
        readLengthPrefixed(lengthBytes: lengthBytes).map(ByteReader.init)
    }

    public mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, bytes.count >= n else { return false }
        bytes = bytes.dropFirst(n)
        return true
    }

    public func peekUInt8(at offset: Int = 0) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[bytes.startIndex + offset]
    }
}
