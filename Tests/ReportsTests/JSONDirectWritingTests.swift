import Testing
import Foundation
import WireCore
import Packets
import TLSWire
@testable import Connections
@testable import Diagnosis
@testable import Reports

/// The JSON report writes times, addresses, code-point names and transcript words straight into its
/// buffer instead of building Strings; each of these must print exactly what the String it replaces
/// prints (the other formats still use the Strings).
struct JSONDirectWritingTests {
    static func json(_ build: (inout JSONWriter) -> Void) -> String {
        var w = JSONWriter()
        build(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func quoted(_ s: String) -> String { "\"" + s + "\"" }

    @Test func transcriptWordsInJSONAreTheWordsEveryOtherFormatPrints() throws {
        let events: [(TranscriptEntry.Event, String, String?)] = [
            (.syn, "SYN", nil), (.synAck, "SYN-ACK", nil), (.fin, "FIN", nil), (.rst, "RST", nil),
            (.handshake(.clientHello, length: 364), "ClientHello", "364 bytes"),
            (.handshake(HandshakeType(rawValue: 99), length: 0), "handshake type 99", "0 bytes"),
            (.helloRetryRequest, "HelloRetryRequest", nil),
            (.malformedHandshake(.certificate, reason: "length 9 \"past\" the end\n"), "malformed Certificate", "length 9 \"past\" the end\n"),
            (.malformedHandshake(.serverHello, reason: ""), "malformed ServerHello", ""),
            (.encryptedHandshake(length: 53), "encrypted handshake (Finished)", "53-byte record"),
            (.changeCipherSpec, "ChangeCipherSpec", nil),
            (.alert(level: .fatal, description: .unknownCA), "Alert", "fatal unknown_ca"),
            (.alert(level: AlertLevel(rawValue: 7), description: AlertDescription(rawValue: 250)), "Alert", "0x07 0xfa"),
            (.encryptedAlert(length: 19), "encrypted Alert", "19-byte record"),
            (.applicationData(records: 1, bytes: 517), "application data", "1 record, 517 bytes"),
            (.applicationData(records: 12, bytes: 123_456_789), "application data", "12 records, 123456789 bytes"),
            (.heartbeat(length: 3), "Heartbeat", "3 bytes"),
            (.gap(bytes: 1448), "capture gap", "1448 bytes not captured"),
            (.plaintext(bytes: 40), "plaintext (not TLS)", "first 40 bytes"),
            (.tlsAfterPlaintext(bytes: 812), "TLS starts (STARTTLS)", "after 812 plaintext bytes"),
            (.resynchronized(skipped: 5), "record framing recovered", "5 bytes skipped"),
        ]
        var w = JSONWriter()   // one writer for all: the second round reads names from its memo
        for round in 0..<2 {
            for (event, name, detail) in events {
                let described = TranscriptText.describe(event)
                #expect(described.0 == name && described.1 == detail, "describe \(event)")
                w.reset()
                w.beginObject()
                ConnectionJSON.transcriptWords(event, &w)
                w.endObject()
                let object = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: String])
                #expect(object["event"] == name, "round \(round): \(event)")
                #expect(object["detail"] == detail, "round \(round): \(event)")
                #expect(object.count == (detail == nil ? 1 : 2))
            }
        }
    }

    /// The address text as `description` built it before it was written in place (RFC 5952 by Strings):
    /// an independent reference for the in-place writer.
    static func referenceText(_ ip: IPAddress) -> String {
        let isV6 = ip.isV6, high = ip.high, low = ip.low
        if !isV6 {
            let v = UInt32(truncatingIfNeeded: low)
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        // RFC 5952: lower-case, longest run of two or more zero groups compressed.
        var groups = [UInt16]()
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(i)))) }
        for i in 0..<4 { groups.append(UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(i)))) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        // IPv4-mapped addresses read better in dotted form.
        if high == 0 && (low >> 32) == 0xffff {
            let v = UInt32(truncatingIfNeeded: low)
            return "::ffff:\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLen
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }

    static func referenceText(_ mac: EthernetAddress) -> String {
        mac.bytes.map { b in
            let s = String(b, radix: 16)
            return b < 16 ? "0" + s : s
        }.joined(separator: ":")
    }

    @Test func addressesWrittenInPlaceEqualTheReferenceText() {
        var rng = SystemRandomNumberGenerator()
        var ips: [IPAddress] = [IPAddress(v4: 0), IPAddress(v4: 0xffff_ffff), IPAddress(v4: 0x0a00_0001), IPAddress(v4: 0xc000_0212),
                                IPAddress(v4: 0x6409_630a), IPAddress(v6High: 0, v6Low: 0), IPAddress(v6High: 0, v6Low: 1),
                                IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 0x0000_0000_0000_0001),
                                IPAddress(v6High: 0, v6Low: 0x0000_ffff_c000_0201),
                                IPAddress(v6High: 0xffff_ffff_ffff_ffff, v6Low: 0xffff_ffff_ffff_ffff)]
        for _ in 0..<20_000 {
            ips.append(IPAddress(v4: rng.next()))
            // Each group zero or not, small or large: runs of zeros of every length and place.
            var halves: [UInt64] = [0, 0]
            for g in 0..<8 {
                let group: UInt64 = switch rng.next() % 4 { case 0, 1: 0; case 2: rng.next() % 0x10; default: rng.next() % 0x10000 }
                halves[g / 4] |= group << (48 - 16 * UInt64(g % 4))
            }
            ips.append(IPAddress(v6High: halves[0], v6Low: halves[1]))
        }
        for ip in ips {
            #expect(Self.json { w in w.unescapedString(maxLength: IPAddress.maxTextLength) { ip.writeDescription(into: $0) } }
                    == Self.quoted(Self.referenceText(ip)))
            #expect(ip.description == Self.referenceText(ip))
        }
        for value: UInt64 in [0, 1, 0xffff_ffff_ffff, 0x0050_568a_0108, 0x00a0_0b0c_0d0e] + (0..<2000).map({ _ in rng.next() }) {
            let mac = EthernetAddress(value: value)
            #expect(Self.json { w in
                w.unescapedString(maxLength: EthernetAddress.textLength) { mac.writeDescription(into: $0); return EthernetAddress.textLength }
            } == Self.quoted(Self.referenceText(mac)))
            #expect(mac.description == Self.referenceText(mac))
        }
    }

    @Test func memoizedCodePointNamesEqualTheirDescriptionsForEveryValue() throws {
        var w = JSONWriter(capacity: 1 << 20)
        for round in 0..<2 {
            w.reset()
            w.beginArray()
            for v in UInt16.min...UInt16.max {
                w.codePoint(CipherSuite(rawValue: v))
                w.codePoint(NamedGroup(rawValue: v))
                w.codePoint(SignatureScheme(rawValue: v))
                w.codePoint(ExtensionType(rawValue: v))
                w.codePoint(ProtocolVersion(rawValue: v))
            }
            w.endArray()
            let names = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String])
            var expected: [String] = []
            for v in UInt16.min...UInt16.max {
                expected += [CipherSuite(rawValue: v).description, NamedGroup(rawValue: v).description,
                             SignatureScheme(rawValue: v).description, ExtensionType(rawValue: v).description,
                             ProtocolVersion(rawValue: v).description]
            }
            #expect(names == expected, "round \(round)")
        }
        // A copy of a writer keeps its own memo entries.
        var a = JSONWriter()
        a.codePoint(CipherSuite(rawValue: 0x1301))
        var b = a
        b.codePoint(CipherSuite(rawValue: 0xc02f))
        a.codePoint(CipherSuite(rawValue: 0x1302))
        a.codePoint(CipherSuite(rawValue: 0xc02f))
        #expect(String(decoding: a.bytes, as: UTF8.self)
                == #""TLS_AES_128_GCM_SHA256","TLS_AES_256_GCM_SHA384","TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256""#)
        #expect(String(decoding: b.bytes, as: UTF8.self) == #""TLS_AES_128_GCM_SHA256","TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256""#)
    }

    @Test func rememberedChainsGiveTheSameJSONAndAChangedChainIsWrittenAfresh() throws {
        guard Fixtures.exists("mtls_device_ok.pcap") else { return }
        let (connections, _) = Fixtures.analyze("mtls_device_ok.pcap")
        let withChain = try #require(connections.first { $0.serverChain.map { !$0.certificates.isEmpty } ?? false })
        func fresh(_ ac: AnalyzedConnection) -> [UInt8] {
            var w = JSONWriter()
            ConnectionJSON.write(ac, id: 1, to: &w, memo: ConnectionJSON.Memo())
            return w.bytes
        }
        let memo = ConnectionJSON.Memo()
        var w = JSONWriter()
        for round in 0..<3 {   // the second and third rounds copy the chains from the memo
            for ac in connections {
                w.reset()
                ConnectionJSON.write(ac, id: 1, to: &w, memo: memo)
                #expect(w.bytes == fresh(ac), "round \(round)")
            }
        }
        #expect(!memo.certificateLists.isEmpty)
        // The same chain with one field changed has storage of its own: its new subject is written.
        var changed = withChain
        changed.serverChain!.certificates[0].summary?.subject = "CN=changed after the first rendering"
        w.reset()
        ConnectionJSON.write(changed, id: 1, to: &w, memo: memo)
        #expect(w.bytes == fresh(changed))
        #expect(String(decoding: w.bytes, as: UTF8.self).contains("CN=changed after the first rendering"))
    }

    @Test func sideNamesAreTheRawValues() {
        for side in Side.allCases {
            #expect(ConnectionJSON.name(of: side).description == side.rawValue)
        }
    }

    @Test func timesInJSONAreTheRFC3339Strings() {
        let times = [Timestamp(seconds: 0, nanoseconds: 0), Timestamp(seconds: 1_795_770_000, nanoseconds: 198_765),
                     Timestamp(seconds: 1_795_770_000, nanoseconds: 999_999_999), Timestamp(seconds: -86_401, nanoseconds: 5_000),
                     Timestamp(seconds: 253_402_300_800, nanoseconds: 0), Timestamp(seconds: 0, nanoseconds: -5_000)]
        for t in times {
            #expect(Self.json { $0.timestamp(t) } == Self.quoted(t.rfc3339))
            #expect(Self.json { $0.timestampSeconds(t) } == Self.quoted(t.rfc3339Seconds))
        }
        // One writer over a day boundary: the remembered date changes with it.
        var w = JSONWriter()
        w.beginArray()
        for s in stride(from: Int64(1_795_823_990), to: 1_795_824_010, by: 3) { w.timestamp(Timestamp(seconds: s, nanoseconds: 1)) }
        w.endArray()
        let expected = "[" + stride(from: Int64(1_795_823_990), to: 1_795_824_010, by: 3)
            .map { Self.quoted(Timestamp(seconds: $0, nanoseconds: 1).rfc3339) }.joined(separator: ",") + "]"
        #expect(String(decoding: w.bytes, as: UTF8.self) == expected)
    }

    @Test func literalKeysAndStringsAreEscapedAtEveryLength() throws {
        // Keys are StaticStrings, copied as words; one that needs escaping still is escaped.
        let out = Self.json { w in
            w.beginObject()
            w.field("k\"ey", 1); w.field("a", "b"); w.field("", true); w.field("tab\there", nil as String?)
            w.field("exactly8", 8); w.field("sixteen_bytes_ok", 16); w.field("nine_byte", 9)
            w.key("back\\slash"); w.string("x" as StaticString)
            w.endObject()
        }
        #expect(out == #"{"k\"ey":1,"a":"b","":true,"tab\there":null,"exactly8":8,"sixteen_bytes_ok":16,"nine_byte":9,"back\\slash":"x"}"#)
        // Clean literals are remembered after the first test; escaped ones are escaped every time.
        let again = Self.json { w in
            for _ in 0..<3 {
                w.beginObject()
                w.field("k\"ey", 1); w.field("a", literal: "b\\"); w.field("plain", literal: "word")
                w.endObject()
            }
        }
        #expect(again == Array(repeating: #"{"k\"ey":1,"a":"b\\","plain":"word"}"#, count: 3).joined(separator: ","))
        _ = try JSONSerialization.jsonObject(with: Data(out.utf8))
        for length in 0...40 {
            let clean = String(repeating: "a", count: length)
            #expect(Self.json { $0.string(clean) } == Self.quoted(clean))
            if length > 0 {
                for position in 0..<length {
                    var bytes = Array(clean.utf8)
                    bytes[position] = 0x22
                    let dirty = String(decoding: bytes, as: UTF8.self)
                    #expect(Self.json { $0.string(dirty) } == Self.quoted(dirty.replacingOccurrences(of: "\"", with: "\\\"")))
                }
            }
        }
    }
}
