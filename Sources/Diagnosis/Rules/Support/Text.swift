import TLSWire
import Connections

/// Texts that findings are built from for most connections of a capture (HANDSHAKE-OK for every
/// successful one, the offer lists of the negotiation rules): written straight into the new string's
/// storage. Appending to a `String` piece by piece, or `joined`, cost several hundred instructions per
/// piece. The result is byte for byte what concatenating the same strings gives.
enum Text {
    /// `prefix + parts.joined(separator: separator) + suffix`, byte for byte, written straight into the
    /// new string's storage (one allocation; `joined` cost ~9 K instructions for a list of cipher suites).
    static func join(_ parts: [String], prefix: StaticString = "", separator: StaticString, suffix: StaticString = "") -> String {
        var total = prefix.utf8CodeUnitCount + suffix.utf8CodeUnitCount
        for (i, p) in parts.enumerated() { total += p.utf8.count + (i > 0 ? separator.utf8CodeUnitCount : 0) }
        guard total > 0 else { return "" }
        return String(unsafeUninitializedCapacity: total) { out in
            var n = 0
            func put(_ src: UnsafeBufferPointer<UInt8>) {
                guard let base = src.baseAddress, src.count > 0 else { return }
                (out.baseAddress! + n).update(from: base, count: src.count)
                n += src.count
            }
            prefix.withUTF8Buffer(put)
            for (i, p) in parts.enumerated() {
                if i > 0 { separator.withUTF8Buffer(put) }
                if p.utf8.withContiguousStorageIfAvailable(put) == nil {
                    var copy = p
                    copy.withUTF8(put)
                }
            }
            suffix.withUTF8Buffer(put)
            return n
        }
    }
}

extension Text {
    /// `parts.joined()`, byte for byte, written once into the new string's storage (string interpolation
    /// appends piece by piece, ~450 instructions a piece).
    static func concat(_ parts: [String]) -> String { join(parts, separator: "") }
}

extension ClientHello {
    /// `highestVersion`, without building `offeredVersions` (an array per call) on the way: the same loop
    /// over supported_versions without GREASE, or legacy_version when there is none. Tests hold the two equal.
    var highestOffered: ProtocolVersion { Self.highest(legacy: legacyVersion, supported: supportedVersions) }

    static func highest(legacy: ProtocolVersion, supported: [ProtocolVersion]) -> ProtocolVersion {
        var best = legacy
        var first = true
        for v in supported where !v.isGREASE {
            if first || v.rank > best.rank || (v.rank == best.rank && v == .tls13) { best = v }
            first = false
        }
        return best
    }
}

extension TLSSummary {
    /// The ClientHello's `highestOffered` and SSLv2 format, reading only the fields they need (a method
    /// called on the optional hello copied the whole hello, or the whole summary, for every connection).
    var helloHighestOffered: ProtocolVersion? {
        guard let legacy = clientHello?.value.legacyVersion, let supported = clientHello?.value.supportedVersions else { return nil }
        return ClientHello.highest(legacy: legacy, supported: supported)
    }
    var helloIsSSLv2Compatible: Bool? { clientHello?.value.isSSLv2Compatible }
}
