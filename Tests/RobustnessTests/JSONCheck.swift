/// A strict RFC 8259 checker for the reports' JSON: one value, valid UTF-8 throughout, no raw
/// control characters inside strings, only the escapes JSON defines, surrogate pairs complete.
/// Returns nil when the document is valid, otherwise what is wrong and where.
///
/// One file for two packages: Fuzz/Sources/FuzzSupport/JSONCheck.swift is a symbolic link to this
/// one (the fuzz package cannot import a test target, and a library product for a test helper
/// would widen the package's public surface). Hence `public`.
public enum JSONCheck {
    public static func problem(in bytes: [UInt8]) -> String? {
        var p = Parser(b: bytes)
        do throws(Failure) {
            p.ws()
            try p.value(depth: 0)
            p.ws()
            if p.i != bytes.count { throw Failure(at: p.i, "trailing bytes after the document") }
            return nil
        } catch {
            return "offset \(error.at): \(error.what)"
        }
    }

    /// Each line is one JSON document (JSON Lines).
    public static func problemInLines(_ bytes: [UInt8]) -> String? {
        for (n, line) in bytes.split(separator: 10).enumerated() {
            if let p = problem(in: Array(line)) { return "line \(n + 1): \(p)" }
        }
        return nil
    }

    struct Failure: Error { var at: Int; var what: String; init(at: Int, _ w: String) { self.at = at; what = w } }

    struct Parser {
        let b: [UInt8]
        var i = 0

        mutating func ws() { while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x0d || b[i] == 0x09 { i += 1 } }

        mutating func value(depth: Int) throws(Failure) {
            guard depth < 512 else { throw Failure(at: i, "nested too deep") }
            guard i < b.count else { throw Failure(at: i, "document ends where a value should be") }
            switch b[i] {
            case 0x7b: // {
                i += 1; ws()
                if i < b.count, b[i] == 0x7d { i += 1; return }
                while true {
                    ws()
                    guard i < b.count, b[i] == 0x22 else { throw Failure(at: i, "object key is not a string") }
                    try string()
                    ws()
                    guard i < b.count, b[i] == 0x3a else { throw Failure(at: i, "missing ':' after key") }
                    i += 1; ws()
                    try value(depth: depth + 1)
                    ws()
                    guard i < b.count else { throw Failure(at: i, "object not closed") }
                    if b[i] == 0x2c { i += 1; continue }
                    if b[i] == 0x7d { i += 1; return }
                    throw Failure(at: i, "expected ',' or '}' in object")
                }
            case 0x5b: // [
                i += 1; ws()
                if i < b.count, b[i] == 0x5d { i += 1; return }
                while true {
                    ws()
                    try value(depth: depth + 1)
                    ws()
                    guard i < b.count else { throw Failure(at: i, "array not closed") }
                    if b[i] == 0x2c { i += 1; continue }
                    if b[i] == 0x5d { i += 1; return }
                    throw Failure(at: i, "expected ',' or ']' in array")
                }
            case 0x22: try string()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            case 0x6e: try literal("null")
            default: try number()
            }
        }

        mutating func literal(_ s: StaticString) throws(Failure) {
            let n = s.utf8CodeUnitCount
            let lit = UnsafeBufferPointer(start: s.utf8Start, count: n)
            guard i + n <= b.count, b[i..<(i + n)].elementsEqual(lit) else { throw Failure(at: i, "bad literal") }
            i += n
        }

        mutating func number() throws(Failure) {
            let start = i
            if i < b.count, b[i] == 0x2d { i += 1 }
            guard i < b.count, isDigit(b[i]) else { throw Failure(at: start, "unexpected byte 0x\(hex(b[min(i, b.count - 1)]))") }
            if b[i] == 0x30 { i += 1 } else { while i < b.count, isDigit(b[i]) { i += 1 } }
            if i < b.count, b[i] == 0x2e {
                i += 1
                guard i < b.count, isDigit(b[i]) else { throw Failure(at: i, "digit expected after '.'") }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
            if i < b.count, b[i] == 0x65 || b[i] == 0x45 {
                i += 1
                if i < b.count, b[i] == 0x2b || b[i] == 0x2d { i += 1 }
                guard i < b.count, isDigit(b[i]) else { throw Failure(at: i, "digit expected in exponent") }
                while i < b.count, isDigit(b[i]) { i += 1 }
            }
        }

        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func hex(_ c: UInt8) -> String { String(c, radix: 16) }

        mutating func hex4() throws(Failure) -> UInt32 {
            guard i + 4 <= b.count else { throw Failure(at: i, "\\u escape cut short") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                default: throw Failure(at: i, "bad hex digit in \\u escape")
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func string() throws(Failure) {
            i += 1 // opening quote
            while true {
                guard i < b.count else { throw Failure(at: i, "string not closed") }
                let c = b[i]
                switch c {
                case 0x22: i += 1; return
                case 0x5c:
                    i += 1
                    guard i < b.count else { throw Failure(at: i, "escape cut short") }
                    switch b[i] {
                    case 0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74: i += 1
                    case 0x75:
                        i += 1
                        let u = try hex4()
                        if u >= 0xD800 && u <= 0xDBFF {
                            guard i + 2 <= b.count, b[i] == 0x5c, b[i + 1] == 0x75 else { throw Failure(at: i, "lone high surrogate") }
                            i += 2
                            let lo = try hex4()
                            guard lo >= 0xDC00 && lo <= 0xDFFF else { throw Failure(at: i, "high surrogate not followed by a low one") }
                        } else if u >= 0xDC00 && u <= 0xDFFF {
                            throw Failure(at: i, "lone low surrogate")
                        }
                    default: throw Failure(at: i, "invalid escape \\\(Character(Unicode.Scalar(b[i])))")
                    }
                case 0x00..<0x20: throw Failure(at: i, "raw control character 0x\(hex(c)) in a string")
                case 0x20..<0x80: i += 1
                default: try utf8Scalar()
                }
            }
        }

        /// One multi-byte UTF-8 sequence, strictly (no overlongs, no surrogates, ≤ U+10FFFF).
        mutating func utf8Scalar() throws(Failure) {
            let c = b[i]
            let n: Int, min: UInt32
            var v: UInt32
            switch c {
            case 0xC2...0xDF: n = 2; min = 0x80; v = UInt32(c & 0x1F)
            case 0xE0...0xEF: n = 3; min = 0x800; v = UInt32(c & 0x0F)
            case 0xF0...0xF4: n = 4; min = 0x10000; v = UInt32(c & 0x07)
            default: throw Failure(at: i, "invalid UTF-8 lead byte 0x\(hex(c))")
            }
            guard i + n <= b.count else { throw Failure(at: i, "UTF-8 sequence cut short") }
            for k in 1..<n {
                let cc = b[i + k]
                guard cc & 0xC0 == 0x80 else { throw Failure(at: i + k, "invalid UTF-8 continuation byte 0x\(hex(cc))") }
                v = v << 6 | UInt32(cc & 0x3F)
            }
            guard v >= min, v <= 0x10FFFF, !(v >= 0xD800 && v <= 0xDFFF) else { throw Failure(at: i, "invalid UTF-8 scalar") }
            i += n
        }
    }
}
