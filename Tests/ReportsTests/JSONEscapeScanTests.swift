import Testing
@testable import Reports

/// `JSONWriter`'s string escaping: strings of 16 bytes or more are scanned sixteen bytes at a time
/// (CJSONScan, SSE2 on x86-64), shorter ones eight bytes at a time. Both must write exactly what
/// escaping one byte at a time writes, wherever the byte to escape falls (every lane of a vector,
/// the overlapping last vector), and must leave bytes of 0x80 and above (UTF-8) alone.
struct JSONEscapeScanTests {
    /// Escaping one byte at a time: the reference.
    static func reference(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        let hex = Array("0123456789abcdef".utf8)
        for b in bytes {
            switch b {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x0a: out += [0x5c, UInt8(ascii: "n")]
            case 0x0d: out += [0x5c, UInt8(ascii: "r")]
            case 0x09: out += [0x5c, UInt8(ascii: "t")]
            case 0..<0x20, 0x7f: out += [0x5c, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xf)]]
            default: out.append(b)
            }
        }
        return out + [0x22]
    }

    /// The writer's bytes for `bytes` (as a String's UTF-8; the reference is of the same bytes).
    static func written(_ bytes: [UInt8]) -> (written: [UInt8], expected: [UInt8]) {
        let s = String(decoding: bytes, as: UTF8.self)
        var w = JSONWriter()
        w.string(s)
        return (w.bytes, reference(Array(s.utf8)))
    }

    static let specials: [UInt8] = Array(0...0x1f) + [0x22, 0x5c, 0x7f]

    /// ASCII and two- and three-byte UTF-8 (bytes 0x80-0xff, which a signed compare would take for
    /// control bytes), none to escape.
    static func filler(_ length: Int) -> [UInt8] {
        let pattern = Array("aé~€ z#".utf8)
        return (0..<length).map { pattern[$0 % pattern.count] }
    }

    @Test func everySpecialByteAtEveryOffsetOfLengthsUpTo80IsEscapedAsOneByteAtATime() {
        for length in 0...80 {
            let clean = [UInt8](repeating: UInt8(ascii: "x"), count: length)
            let (cleanOut, cleanExpected) = Self.written(clean)
            #expect(cleanOut == cleanExpected, "clean, length \(length)")
            for offset in 0..<length {
                for special in Self.specials {
                    var bytes = clean
                    bytes[offset] = special
                    let (out, expected) = Self.written(bytes)
                    #expect(out == expected, "byte \(special) at \(offset) of \(length)")
                }
            }
        }
    }

    @Test func utf8TextIsCopiedAndBytesToEscapeAmongItAreFound() {
        for length in 0...80 {
            let (cleanOut, cleanExpected) = Self.written(Self.filler(length))
            #expect(cleanOut == cleanExpected, "UTF-8 text of \(length) bytes")
            #expect(!cleanOut.contains(0x5c), "nothing escaped in UTF-8 text of \(length) bytes")
            for offset in 0..<length {
                for special: UInt8 in [0x00, 0x0a, 0x1f, 0x22, 0x5c, 0x7f] {
                    var bytes = Self.filler(length)
                    bytes[offset] = special
                    let (out, expected) = Self.written(bytes)
                    #expect(out == expected, "byte \(special) at \(offset) of \(length) among UTF-8")
                }
            }
        }
    }

    @Test func severalBytesToEscapeAfterACleanPrefixAreAllEscaped() {
        for length in 16...80 {
            for offset in 0..<length {
                var bytes = [UInt8](repeating: UInt8(ascii: "k"), count: length)
                for i in stride(from: offset, to: length, by: 7) { bytes[i] = Self.specials[i % Self.specials.count] }
                let (out, expected) = Self.written(bytes)
                #expect(out == expected, "from \(offset) of \(length)")
            }
        }
    }

    @Test func textsAroundTheFourKilobyteScanLimitAreEscapedExactly() {
        for length in [4095, 4096, 4097, 9000] {
            let (cleanOut, cleanExpected) = Self.written(Self.filler(length))
            #expect(cleanOut == cleanExpected, "clean, length \(length)")
            for offset in [0, 15, 16, 4079, 4080, 4095, length - 1] where offset < length {
                var bytes = Self.filler(length)
                bytes[offset] = 0x22
                let (out, expected) = Self.written(bytes)
                #expect(out == expected, "quote at \(offset) of \(length)")
            }
        }
    }
}
