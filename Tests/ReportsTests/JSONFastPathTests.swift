import Testing
import Foundation
@testable import Diagnosis
@testable import Reports

/// The compact writer's fast paths (a key with its comma under one room check, texts copied a word
/// at a time) must write what the general paths write.
struct JSONFastPathTests {
    static func text(_ w: JSONWriter) -> String { String(decoding: w.bytes, as: UTF8.self) }

    /// JSON string escaping one byte at a time: the reference the writer is checked against.
    static func reference(_ bytes: [UInt8]) -> String {
        var out = "\""
        for b in bytes {
            switch b {
            case 0x22: out += "\\\""
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7f: out += String(format: "\\u%04x", b)
            default: out.unicodeScalars.append(Unicode.Scalar(b))
            }
        }
        return out + "\""
    }

    @Test func longTextsAreEscapedAtEveryOffsetOfEveryLength() {
        for length in 15...49 {
            for special: UInt8 in [0x22, 0x5c, 0x0a, 0x00, 0x1f, 0x7f] {
                for offset in 0..<length {
                    var plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    plain[offset] = special
                    var w = JSONWriter()
                    w.string(String(decoding: plain, as: UTF8.self))
                    #expect(Self.text(w) == Self.reference(plain), "byte \(special) at \(offset) of \(length)")
                }
            }
            // Clean texts of every length, with their last partial vector, are copied as they are.
            let clean = (0..<length).map { UInt8(ascii: "A") + UInt8($0 % 26) }
            var w = JSONWriter()
            w.string(String(decoding: clean, as: UTF8.self))
            #expect(Self.text(w) == Self.reference(clean))
        }
    }

    @Test func keysToEscapeAfterAFirstFieldOrASiblingGetTheirCommasOnce() {
        var w = JSONWriter()
        w.beginObject()
        w.field("k\"ey", 1)
        w.field("a", 2)
        w.key("back\\slash"); w.int(3)
        w.field("line\nbreak", "v")
        w.key("o"); w.beginObject(); w.field("t\tab", true); w.field("b", false); w.endObject()
        w.endObject()
        #expect(Self.text(w) == #"{"k\"ey":1,"a":2,"back\\slash":3,"line\nbreak":"v","o":{"t\tab":true,"b":false}}"#)
    }

    /// Every fixture connection's compact JSON (fast paths, memos, raw values) and pretty JSON
    /// (the general, field-by-field path) are the same document.
    @Test func compactAndPrettyJSONOfEveryFixtureConnectionAreTheSameDocument() throws {
        let names = ["all_failures.pcapng", "hostile_names.pcap", "mtls_device_ok.pcap", "hrr_tls13_ok.pcap",
                     "gap_in_server_flight.pcap", "plaintext_sip_to_tls.pcap", "alpn_resume.pcap"]
        var checked = 0
        let memo = ConnectionJSON.Memo()   // shared, as a report shares it: second rounds copy memos
        var compact = JSONWriter()
        for round in 0..<2 {
            for name in names where Fixtures.exists(name) {
                for (i, ac) in Fixtures.analyze(name).connections.enumerated() {
                    compact.reset()
                    ConnectionJSON.write(ac, id: i + 1, to: &compact, memo: memo)
                    var pretty = JSONWriter(pretty: true)
                    ConnectionJSON.write(ac, id: i + 1, to: &pretty)
                    let a = try JSONSerialization.jsonObject(with: Data(compact.bytes)) as? NSDictionary
                    let b = try JSONSerialization.jsonObject(with: Data(pretty.bytes)) as? NSDictionary
                    #expect(a != nil && a == b, "round \(round): \(name) connection \(i + 1)")
                    #expect(!Self.text(compact).contains("\n"), "compact JSON has no line breaks")
                    checked += 1
                }
            }
        }
        #expect(checked > 20)
    }
}
