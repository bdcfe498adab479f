/// Lower-case hexadecimal helpers shared by every stage (fingerprints, unknown code points).
public enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func encode<C: Collection>(_ bytes: C, separator: String = "") -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * (2 + separator.utf8.count))
        let sep = Array(separator.utf8)
        var first = true
        for b in bytes {
            if !first { out.append(contentsOf: sep) }
            first = false
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `0x1234` style, with a fixed number of digits.
    public static func code<T: FixedWidthInteger>(_ v: T, width: Int = MemoryLayout<T>.size * 2) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
