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

/// A string literal with interpolations whose pieces are kept, to be written once (`Text.write`): the texts
/// of findings that fire for many connections of a capture. The default interpolation appends piece by piece
/// (~450 instructions a piece). Values are written as the default interpolation writes them: strings as they
/// are, anything else by its `description`.
struct Sentence: ExpressibleByStringInterpolation {
    var parts: [String]

    init(stringLiteral value: String) { parts = [value] }
    init(stringInterpolation: Pieces) { parts = stringInterpolation.parts }

    struct Pieces: StringInterpolationProtocol {
        var parts: [String] = []
        init(literalCapacity: Int, interpolationCount: Int) { parts.reserveCapacity(2 * interpolationCount + 1) }
        mutating func appendLiteral(_ literal: String) { if !literal.isEmpty { parts.append(literal) } }
        mutating func appendInterpolation(_ value: String) { parts.append(value) }
        mutating func appendInterpolation(_ value: Int) { parts.append(String(value)) }
        mutating func appendInterpolation<T: CustomStringConvertible>(_ value: T) { parts.append(value.description) }
    }
}

extension Text {
    /// The sentence's pieces, joined (byte for byte what the same literal interpolated into a `String` gives).
    static func write(_ sentence: Sentence) -> String { concat(sentence.parts) }
}
