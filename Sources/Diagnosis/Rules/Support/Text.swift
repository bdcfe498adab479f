import TLSWire

/// Text assembled as UTF-8 bytes and made a `String` once. Findings are built for most connections of a
/// capture (HANDSHAKE-OK for every successful one): appending to a `String` piece by piece, or `joined`,
/// cost several hundred instructions per piece; appending bytes to a reserved buffer costs a copy.
/// The result is byte for byte what concatenating the same strings gives.
struct TextBuilder {
    private var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func add(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
            bytes.append(contentsOf: s.utf8)
        }
    }

    mutating func add(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func add(_ n: Int) { add(String(n)) }

    var isEmpty: Bool { bytes.isEmpty }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// `parts.joined(separator: separator)`, byte for byte.
    static func join<S: Sequence>(_ parts: S, separator: StaticString) -> String where S.Element == String {
        var t = TextBuilder()
        var first = true
        for p in parts {
            if !first { t.add(separator) }
            t.add(p)
            first = false
        }
        return t.string
    }
}

extension ClientHello {
    /// `highestVersion`, without building `offeredVersions` (an array per call) on the way: the same loop
    /// over supported_versions without GREASE, or legacy_version when there is none. Tests hold the two equal.
    var highestOffered: ProtocolVersion {
        var best = legacyVersion
        var first = true
        for v in supportedVersions where !v.isGREASE {
            if first || v.rank > best.rank || (v.rank == best.rank && v == .tls13) { best = v }
            first = false
        }
        return best
    }
}
