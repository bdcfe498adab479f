import Testing
import Foundation
@testable import Reports

/// The streaming JSON writer is on the per-connection path and was rewritten for speed (bulk copies of
/// unescaped runs, digits without String, a bit stack for commas): its output must stay exact JSON.
struct JSONWriterTests {
    static func text(_ build: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        build(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func escapesQuotesBackslashesAndEveryControlCharacterAndKeepsUTF8() throws {
        var hostile = "a\"b\\c\nd\re\tf"
        for b in 0..<32 where ![9, 10, 13].contains(b) { hostile.unicodeScalars.append(Unicode.Scalar(UInt8(b))) }
        hostile += "\u{7f}é€😀 end"
        let out = Self.text { $0.beginObject(); $0.field("k\"ey", hostile); $0.endObject() }
        #expect(out.hasPrefix(#"{"k\"ey":"a\"b\\c\nd\re\tf\u0000\u0001"#))
        #expect(out.contains(#"\u001f\u007fé€😀 end"}"#))
        // Whatever the bytes, Foundation parses it back to the same string.
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: String]
        #expect(parsed?["k\"ey"] == hostile)
    }

    @Test func plainStringsAndEmptyStringsAreCopiedVerbatim() {
        let long = String(repeating: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 ", count: 200)
        #expect(Self.text { $0.string(long) } == "\"" + long + "\"")
        #expect(Self.text { $0.string("") } == "\"\"")
        #expect(Self.text { $0.string("\"") } == #""\"""#)
    }

    @Test func integersOfEveryWidthAndSignAreDecimal() {
        let out = Self.text {
            $0.beginArray()
            $0.int(0); $0.int(7); $0.int(10); $0.int(-1); $0.int(-10); $0.int(1234567890)
            $0.int(Int.max); $0.int(Int.min); $0.int(UInt64.max); $0.int(UInt8(255)); $0.int(Int16(-32768))
            $0.endArray()
        }
        #expect(out == "[0,7,10,-1,-10,1234567890,9223372036854775807,-9223372036854775808,18446744073709551615,255,-32768]")
    }

    @Test func commasAndNestingAreRightAtAnyDepth() throws {
        let out = Self.text { w in
            w.beginObject()
            w.field("a", 1)
            w.key("b"); w.beginArray(); w.beginArray(); w.endArray(); w.int(2); w.beginObject(); w.endObject(); w.endArray()
            w.field("c", strings: ["x", "y"])
            w.key("n"); w.null()
            w.endObject()
        }
        #expect(out == #"{"a":1,"b":[[],2,{}],"c":["x","y"],"n":null}"#)
        // Deeper than the 64 levels the bit stack holds, values on the way back out still get their commas.
        let deep = Self.text { w in
            for _ in 0..<100 { w.beginArray(); w.int(1) }
            for _ in 0..<100 { w.int(2); w.endArray() }
        }
        let expected = String(repeating: "[1,", count: 100) + "2" + String(repeating: "],2", count: 99) + "]"
        #expect(deep == expected)
        _ = try JSONSerialization.jsonObject(with: Data(deep.utf8))
    }

    @Test func resetStartsAFreshDocument() {
        var w = JSONWriter()
        w.beginArray(); w.int(1); w.int(2)
        w.reset()
        w.beginArray(); w.int(3); w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[3]")
    }

    @Test func prettyOutputIndentsNestedValues() {
        var w = JSONWriter(pretty: true)
        w.beginObject(); w.field("a", 1); w.key("b"); w.beginArray(); w.int(2); w.endArray(); w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}")
    }
}

/// The raw-buffer writer keeps value semantics and finds every byte to escape whatever its position
/// in the eight-byte words it scans.
struct JSONWriterBufferTests {
    @Test func aCopiedWriterKeepsItsOwnOutput() {
        var a = JSONWriter(capacity: 8)
        a.beginArray(); a.int(1)
        var b = a
        b.int(2); b.endArray()
        a.int(3); a.endArray()
        #expect(String(decoding: a.bytes, as: UTF8.self) == "[1,3]")
        #expect(String(decoding: b.bytes, as: UTF8.self) == "[1,2]")
        var c = a
        c.reset()
        c.null()
        #expect(String(decoding: a.bytes, as: UTF8.self) == "[1,3]")
        #expect(String(decoding: c.bytes, as: UTF8.self) == "null")
    }

    @Test func outputLargerThanTheInitialCapacityGrows() {
        var w = JSONWriter(capacity: 1)
        w.beginArray()
        for i in 0..<10_000 { w.string("value \(i)") }
        w.endArray()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(w.count == text.utf8.count)
        #expect(text.hasPrefix("[\"value 0\",\"value 1\""))
        #expect(text.hasSuffix("\"value 9999\"]"))
        #expect(w.withBytes { Array($0) } == w.bytes)
    }

    @Test func everySpecialByteIsEscapedAtEveryOffsetAndLength() throws {
        let specials: [(UInt8, String)] = [(0x22, "\\\""), (0x5c, "\\\\"), (0x0a, "\\n"), (0x00, "\\u0000"),
                                           (0x1f, "\\u001f"), (0x7f, "\\u007f"), (0x09, "\\t"), (0x0d, "\\r")]
        for (byte, escaped) in specials {
            for length in 1...20 {
                for offset in 0..<length {
                    var plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    plain[offset] = byte
                    let s = String(decoding: plain, as: UTF8.self)
                    var w = JSONWriter()
                    w.string(s)
                    let expected = "\"" + String(repeating: "a", count: offset) + escaped
                        + String(repeating: "a", count: length - offset - 1) + "\""
                    #expect(String(decoding: w.bytes, as: UTF8.self) == expected, "byte \(byte) at \(offset) of \(length)")
                }
            }
        }
        // Bytes just outside the escaped ranges, and multi-byte UTF-8, pass through untouched.
        let edges = "\u{20}!#[]~\u{80}\u{ff}é€😀 0123456789abcdef"
        var w = JSONWriter()
        w.string(edges)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "\"" + edges + "\"")
    }

    @Test func theWordTestAgreesWithTheByteTestOnEveryByteValue() {
        for v in 0...255 {
            let b = UInt8(v)
            let needs = b < 32 || b == 34 || b == 92 || b == 127
            for position in 0..<8 {
                let word = UInt64(0x6161_6161_6161_6161) & ~(UInt64(0xff) << (8 * UInt64(position))) | UInt64(b) << (8 * UInt64(position))
                #expect(JSONWriter.needsEscape(word) == needs, "byte \(v) at \(position)")
            }
        }
        #expect(!JSONWriter.needsEscape(0xffff_ffff_ffff_ffff))
        #expect(JSONWriter.needsEscape(0x8080_8080_8080_8000))
    }
}
