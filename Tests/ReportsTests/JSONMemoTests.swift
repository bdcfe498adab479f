import Testing
import WireCore
import TLSWire
@testable import Reports

/// What the JSON writer remembers between values (whole code-point lists, the text of the last
/// second) and its table-driven numbers must print exactly what writing afresh prints.
struct JSONMemoTests {
    static func text(_ w: JSONWriter) -> String { String(decoding: w.bytes, as: UTF8.self) }

    /// The list as the names' descriptions, compact.
    static func expectedList(_ key: String, _ names: [String]) -> String {
        "{\"\(key)\":[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]}"
    }

    @Test func rememberedCodePointListsGiveTheSameJSONAndADifferentListItsOwn() {
        let lists: [[UInt16]] = [[0x1301, 0x1302, 0xc02f], [0x1301, 0x1302, 0xc030], [0x1301, 0x1302], [],
                                 [0x1301, 0x1302, 0xc02f], [0xfafa, 0x0000, 0xffff], [0x1301, 0x1302, 0xc02f]]
        var w = JSONWriter()   // one writer: later rounds copy lists from its memo
        for round in 0..<3 {
            for values in lists {
                w.reset()
                w.beginObject()
                w.field("cipher_suites", codePoints: values.map { CipherSuite(rawValue: $0) })
                w.endObject()
                let expected = Self.expectedList("cipher_suites", values.map { CipherSuite(rawValue: $0).description })
                #expect(Self.text(w) == expected, "round \(round): \(values)")
            }
        }
        // The same values in another family are other names, not the remembered list.
        w.reset()
        w.beginObject()
        w.field("groups", codePoints: [0x1301, 0x1302, 0xc02f].map { NamedGroup(rawValue: $0) })
        w.endObject()
        #expect(Self.text(w) == Self.expectedList("groups", [0x1301, 0x1302, 0xc02f].map { NamedGroup(rawValue: $0).description }))
    }

    @Test func extensionTypesAreWrittenAsTheirNamesInPrettyAndCompactOutput() {
        let extensions = [0x0000, 0x000a, 0x002b, 0x4a4a].map { TLSExtension(type: ExtensionType(rawValue: UInt16($0)), data: [1, 2]) }
        let names = extensions.map { $0.type.description }
        var compact = JSONWriter()
        compact.beginObject(); compact.field("extensions", extensionTypesOf: extensions); compact.endObject()
        #expect(Self.text(compact) == Self.expectedList("extensions", names))
        var pretty = JSONWriter(pretty: true)
        pretty.beginObject(); pretty.field("extensions", extensionTypesOf: extensions); pretty.endObject()
        let lines = names.map { "    \"\($0)\"" }.joined(separator: ",\n")
        #expect(Self.text(pretty) == "{\n  \"extensions\": [\n" + lines + "\n  ]\n}")
    }

    @Test func timesInOneSecondAndAcrossSecondsAreTheirRFC3339Strings() {
        // Same second with different fractions, the next second, back, a day boundary, and the
        // seconds-only form interleaved (it shares the remembered text).
        let times: [Timestamp] = [
            Timestamp(seconds: 1_795_770_000, nanoseconds: 1_000), Timestamp(seconds: 1_795_770_000, nanoseconds: 999_999_999),
            Timestamp(seconds: 1_795_770_000, nanoseconds: 0), Timestamp(seconds: 1_795_770_001, nanoseconds: 500_000),
            Timestamp(seconds: 1_795_770_000, nanoseconds: 10_000), Timestamp(seconds: 1_795_823_999, nanoseconds: 123_456_789),
            Timestamp(seconds: 1_795_824_000, nanoseconds: 1), Timestamp(seconds: 0, nanoseconds: -999),
            Timestamp(seconds: -1, nanoseconds: 999_000), Timestamp(seconds: 253_402_300_799, nanoseconds: 999_999_000),
            Timestamp(seconds: 253_402_300_800, nanoseconds: 0),
        ]
        var w = JSONWriter()
        w.beginArray()
        for t in times { w.timestamp(t); w.timestampSeconds(t); w.timestamp(t) }
        w.endArray()
        let expected = "[" + times.map { "\"\($0.rfc3339)\",\"\($0.rfc3339Seconds)\",\"\($0.rfc3339)\"" }.joined(separator: ",") + "]"
        #expect(Self.text(w) == expected)
    }

    @Test func numbersAtEveryDigitCountAreTheirDecimalStrings() {
        var values: [Int64] = [0, 9, 10, 99, 100, 101, 999, Int64.max, Int64.min, Int64.min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        var w = JSONWriter()
        w.beginArray()
        for v in values { w.int(v) }
        w.endArray()
        #expect(Self.text(w) == "[" + values.map { String($0) }.joined(separator: ",") + "]")
        #expect(JSONDirectWritingTests.json { $0.int(UInt64.max) } == String(UInt64.max))
    }
}
