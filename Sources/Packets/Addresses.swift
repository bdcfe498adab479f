/// An IPv4 or IPv6 address in two machine words: hashing and comparing it on the hot path
/// costs no allocation. IPv4 lives in the low 32 bits of `low` with `high == 0` and `isV6 == false`.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64
    public var isV6: Bool

    @inlinable public init(v4: UInt32) { high = 0; low = UInt64(v4); isV6 = false }
    @inlinable public init(v6High: UInt64, v6Low: UInt64) { high = v6High; low = v6Low; isV6 = true }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        (a.isV6 ? 1 : 0, a.high, a.low) < (b.isV6 ? 1 : 0, b.high, b.low)
    }

    /// Dotted IPv4; IPv6 per RFC 5952 (lower case, the first longest run of two or more zero groups as
    /// "::", IPv4-mapped in dotted form). Written by `writeDescription`, which reports write in place.
    public var description: String {
        String(unsafeUninitializedCapacity: Self.maxTextLength) { writeDescription(into: $0.baseAddress!) }
    }
}

/// A 48-bit Ethernet address packed in a UInt64 (no allocation per frame).
public struct EthernetAddress: Sendable, Hashable, CustomStringConvertible {
    public var value: UInt64
    @inlinable public init(value: UInt64) { self.value = value & 0xffff_ffff_ffff }
    public var bytes: [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64($0))) } }
    public var isZero: Bool { value == 0 }
    /// `xx:xx:xx:xx:xx:xx`, lower case (written by `writeDescription`).
    public var description: String {
        String(unsafeUninitializedCapacity: Self.textLength) { writeDescription(into: $0.baseAddress!); return Self.textLength }
    }
}

/// One TCP endpoint.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16
    @inlinable public init(ip: IPAddress, port: UInt16) { self.ip = ip; self.port = port }
    public static func < (a: Endpoint, b: Endpoint) -> Bool { (a.ip, a.port) < (b.ip, b.port) }
    public var description: String { ip.isV6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

/// Direction-independent key of a TCP connection: the two endpoints in a canonical order.
public struct FlowKey: Sendable, Hashable {
    public var a: Endpoint
    public var b: Endpoint
    public init(_ x: Endpoint, _ y: Endpoint) {
        if x < y { a = x; b = y } else { a = y; b = x }
    }

    /// The flow table hashes every segment's key: the fields are folded into one word by multiply-xor
    /// steps, starting from the table's seed, and Dictionary uses that word directly (`_rawHashValue`),
    /// skipping SipHash (its seeding and finalisation were ~300 instructions per segment). The seed is
    /// per process and table, so a capture cannot be crafted to collide. Equality is unchanged.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(folded(seed: 0))
    }

    public func _rawHashValue(seed: Int) -> Int {
        Int(truncatingIfNeeded: folded(seed: UInt64(UInt(bitPattern: seed))))
    }

    @inline(__always)
    private func folded(seed: UInt64) -> UInt64 {
        @inline(__always) func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
            let x = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
            return x ^ (x >> 29)
        }
        var h = mix(seed, a.ip.high)
        h = mix(h, a.ip.low)
        h = mix(h, b.ip.high)
        h = mix(h, b.ip.low)
        h = mix(h, UInt64(a.port) << 32 | UInt64(b.port) << 16 | (a.ip.isV6 ? 2 : 0) | (b.ip.isV6 ? 1 : 0))
        return mix(h, seed >> 7)
    }
}

// MARK: - Text written into byte buffers

// Report writers print an address or two per connection into a byte buffer; these write the text
// (`description` is built from them) without building a String.

extension EthernetAddress {
    /// Bytes of `description`: `xx:xx:xx:xx:xx:xx`.
    public static let textLength = 17

    /// Writes `description` (17 bytes) at `out`.
    public func writeDescription(into out: UnsafeMutablePointer<UInt8>) {
        for i in 0..<6 {
            let b = UInt8(truncatingIfNeeded: value >> (40 - 8 * UInt64(i)))
            out[3 * i] = lowerHexDigit(b >> 4)
            out[3 * i + 1] = lowerHexDigit(b & 0xf)
            if i < 5 { out[3 * i + 2] = UInt8(ascii: ":") }
        }
    }
}

extension IPAddress {
    /// The most bytes `description` can have (`ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff`).
    public static let maxTextLength = 39

    /// Writes `description` at `out` (room for `maxTextLength` bytes) and returns its length.
    public func writeDescription(into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard isV6 else { return writeDotted(UInt32(truncatingIfNeeded: low), into: out) }
        // As `description`: IPv4-mapped addresses end in dotted form; otherwise RFC 5952, the first
        // longest run of two or more zero groups compressed to "::".
        if high == 0 && (low >> 32) == 0xffff {
            for (i, b) in "::ffff:".utf8.enumerated() { out[i] = b }
            return 7 + writeDotted(UInt32(truncatingIfNeeded: low), into: out + 7)
        }
        func group(_ i: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (48 - 16 * UInt64(i & 3)))
        }
        var bestStart = -1, bestLength = 0, i = 0
        while i < 8 {
            guard group(i) == 0 else { i += 1; continue }
            var j = i
            while j < 8 && group(j) == 0 { j += 1 }
            if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
            i = j
        }
        var n = 0, k = 0
        while k < 8 {
            if k == bestStart {
                out[n] = UInt8(ascii: ":"); out[n + 1] = UInt8(ascii: ":")
                n += 2
                k += bestLength
                continue
            }
            if n > 0 && out[n - 1] != UInt8(ascii: ":") { out[n] = UInt8(ascii: ":"); n += 1 }
            let g = group(k)
            var shift = 12
            while shift > 0 && g >> UInt16(shift) == 0 { shift -= 4 }   // no leading zeros
            while shift >= 0 {
                out[n] = lowerHexDigit(UInt8(truncatingIfNeeded: g >> UInt16(shift)) & 0xf)
                n += 1
                shift -= 4
            }
            k += 1
        }
        return n
    }

    /// `a.b.c.d` of an IPv4 address.
    private func writeDotted(_ v: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = writeDecimal(UInt8(truncatingIfNeeded: v >> 24), into: out)
        out[n] = UInt8(ascii: ".")
        n += 1 + writeDecimal(UInt8(truncatingIfNeeded: v >> 16), into: out + n + 1)
        out[n] = UInt8(ascii: ".")
        n += 1 + writeDecimal(UInt8(truncatingIfNeeded: v >> 8), into: out + n + 1)
        out[n] = UInt8(ascii: ".")
        n += 1 + writeDecimal(UInt8(truncatingIfNeeded: v), into: out + n + 1)
        return n
    }

    /// An octet in decimal without leading zeros; returns the digit count.
    @inline(__always)
    private func writeDecimal(_ octet: UInt8, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        if octet >= 100 { out[n] = 48 + octet / 100; n += 1 }
        if octet >= 10 { out[n] = 48 + octet / 10 % 10; n += 1 }
        out[n] = 48 + octet % 10
        return n + 1
    }
}

@inline(__always) private func lowerHexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
