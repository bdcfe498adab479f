import Testing
import Foundation
import Reports

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
