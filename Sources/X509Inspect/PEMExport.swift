public enum PEMExport {
    /// `-----BEGIN CERTIFICATE-----`, base64 in 64-character lines, `-----END CERTIFICATE-----`, each line ending in "\n".
    public static func pem(der: [UInt8]) -> String {
        let b64 = Base64.encode(der)
        var out = "-----BEGIN CERTIFICATE-----\n"
        var i = b64.startIndex
        while i < b64.endIndex {
            let j = b64.index(i, offsetBy: 64, limitedBy: b64.endIndex) ?? b64.endIndex
            out += b64[i..<j]
            out += "\n"
            i = j
        }
        return out + "-----END CERTIFICATE-----\n"
    }

    /// All certificates of a chain, leaf first, one PEM block after another.
    public static func pem(chain: [[UInt8]]) -> String { chain.map { pem(der: $0) }.joined() }
}

enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Base64 as PEM bodies carry it: line breaks and spaces between groups allowed, anything else is an error.
    /// Whole groups of four alphabet characters are decoded at once (the bulk of a bundle: a 64-character line
    /// is sixteen of them); anything else (whitespace, padding, a group cut by a line break) goes one character
    /// at a time through the same state, so both paths accept and produce the same. Every run reads the system
    /// bundle, ~200 KB of base64: one character at a time cost ~50 instructions a byte.
    static func decodePEMBody(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let decoded = text.withUnsafeBufferPointer { input in
            decodingTable.withUnsafeBufferPointer { table in
                [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { out, written in
                    written = decode(input, table, into: out) ?? 0
                }
            }
        }
        return decoded.isEmpty ? nil : decoded
    }

    /// How many bytes were written to `out`, or nil when `input` is not a PEM body's base64.
    private static func decode(_ input: UnsafeBufferPointer<UInt8>, _ table: UnsafeBufferPointer<UInt8>,
                               into out: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        var accumulator: UInt32 = 0, bits = 0, padding = 0, n = 0, i = 0
        let count = input.count
        while i < count {
            if bits == 0, padding == 0 {
                // A run of whole groups (a PEM line): `n` and `i` stay within the buffers, so &+ needs no check.
                while i &+ 4 <= count {
                    let a = UInt32(table[Int(input[i])]), b = UInt32(table[Int(input[i &+ 1])])
                    let c = UInt32(table[Int(input[i &+ 2])]), d = UInt32(table[Int(input[i &+ 3])])
                    guard (a | b | c | d) < 64 else { break }
                    let v = a << 18 | b << 12 | c << 6 | d
                    out[n] = UInt8(truncatingIfNeeded: v >> 16)
                    out[n &+ 1] = UInt8(truncatingIfNeeded: v >> 8)
                    out[n &+ 2] = UInt8(truncatingIfNeeded: v)
                    n &+= 3
                    i &+= 4
                }
                guard i < count else { break }
            }
            let v = UInt32(table[Int(input[i])])
            i += 1
            switch v {
            case Self.paddingCode: padding += 1; continue
            case Self.whitespaceCode: continue
            case Self.invalidCode: return nil
            default: break
            }
            guard padding == 0 else { return nil }   // data after padding
            accumulator = accumulator << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out[n] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                n += 1
            }
        }
        guard padding <= 2, n > 0 else { return nil }
        return n
    }

    private static let paddingCode: UInt32 = 64, whitespaceCode: UInt32 = 65, invalidCode: UInt32 = 255

    /// Each byte's 6-bit value, or one of the codes above.
    private static let decodingTable: [UInt8] = {
        var table = [UInt8](repeating: UInt8(invalidCode), count: 256)
        for (value, c) in alphabet.enumerated() { table[Int(c)] = UInt8(value) }
        table[Int(UInt8(ascii: "="))] = UInt8(paddingCode)
        for c: UInt8 in [0x0a, 0x0d, 0x20, 0x09] { table[Int(c)] = UInt8(whitespaceCode) }
        return table
    }()
}
