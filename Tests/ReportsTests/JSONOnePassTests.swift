import Testing
import Foundation
@testable import WireCore
import TLSWire
import Packets
@testable import Connections
@testable import Diagnosis
@testable import Reports

/// Compact JSON writes some objects in one pass (a transcript entry's keys, words and numbers after
/// one room check) and some fields with their commas inlined; each must be byte for byte what the
/// general, field-by-field path writes.
struct JSONOnePassTests {
    static func text(_ w: JSONWriter) -> String { String(decoding: w.bytes, as: UTF8.self) }

    /// Every event, with payloads at the edges of the number writer (0, 1, 99, 100, huge, negative).
    static let events: [TranscriptEntry.Event] = {
        var list: [TranscriptEntry.Event] = [.syn, .synAck, .fin, .rst, .helloRetryRequest, .changeCipherSpec,
                                             .malformedHandshake(.certificate, reason: "length 9 \"past\" the end\n"),
                                             .malformedHandshake(.serverHello, reason: ""),
                                             .alert(level: .fatal, description: .unknownCA),
                                             .alert(level: AlertLevel(rawValue: 7), description: AlertDescription(rawValue: 250))]
        for n in [0, 1, 9, 10, 99, 100, 999, 1000, 65_535, 1_234_567, 99_999_999, Int.max, -1, Int.min] {
            list += [.handshake(.clientHello, length: n), .handshake(HandshakeType(rawValue: 99), length: n),
                     .encryptedHandshake(length: n), .encryptedAlert(length: n),
                     .applicationData(records: n, bytes: n &* 3), .applicationData(records: 1, bytes: n),
                     .heartbeat(length: n), .gap(bytes: n), .plaintext(bytes: n), .tlsAfterPlaintext(bytes: n),
                     .resynchronized(skipped: n)]
        }
        for t in 0...30 { list.append(.handshake(HandshakeType(rawValue: UInt8(t)), length: t)) }
        return list
    }()

    /// Times at second, day, month and year boundaries, before 1970, at the ends of the four-digit
    /// years, with nanoseconds at the ends of a second (negative ones above -1000 truncate to 0
    /// microseconds); the last few take the general layout.
    static let times: [Timestamp] = {
        var list: [Timestamp] = []
        let seconds: [Int64] = [0, 1, 59, 60, 86_399, 86_400, -1, -86_400, -86_401, 951_782_399, 951_782_400, 951_868_799, 951_868_800,
                                1_798_761_599, 1_798_761_600, 1_795_770_000, 1_795_770_001,
                                Timestamp.firstFourDigitYearSecond, Timestamp.firstFiveDigitYearSecond - 1]
        for s in seconds {
            for ns: Int32 in [0, 1, 999, 1000, 624_000, 624_999, 999_999_999, -1, -999] {
                list.append(Timestamp(seconds: s, nanoseconds: ns))
            }
        }
        list += [Timestamp(seconds: 1_795_770_000, nanoseconds: 0), Timestamp(seconds: 1_795_769_999, nanoseconds: 5),
                 Timestamp(seconds: 1_795_770_000, nanoseconds: 6)]   // back and forth over one second
        list += [Timestamp(seconds: Timestamp.firstFiveDigitYearSecond, nanoseconds: 0),
                 Timestamp(seconds: Timestamp.firstFourDigitYearSecond - 1, nanoseconds: 0),
                 Timestamp(seconds: 0, nanoseconds: 1_000_000_000), Timestamp(seconds: 0, nanoseconds: -1000)]
        return list
    }()

    static let frames = [0, 1, 99, 100, 1_150_127, Int.max, -5]

    static func entries() -> [TranscriptEntry] {
        var list: [TranscriptEntry] = []
        var i = 0
        for event in events {
            for _ in 0..<2 {
                var e = TranscriptEntry(frame: frames[i % frames.count], time: times[i % times.count],
                                        sender: i % 3 == 0 ? .server : .client, event: event)
                e.decrypted = i % 5 == 0
                list.append(e)
                i += 1
            }
        }
        for t in times { list.append(TranscriptEntry(frame: 7, time: t, sender: .client, event: .changeCipherSpec)) }
        return list
    }

    @Test func transcriptEntryInOnePassMatchesTheFieldByFieldPath() throws {
        let list = Self.entries()
        // One writer each for the whole list, so the remembered second and day are reused as in a report.
        var general = JSONWriter(), dispatched = JSONWriter()
        var onePass = 0
        general.beginArray(); dispatched.beginArray()
        for e in list {
            ConnectionJSON.transcriptEntryByFields(e, &general)
            withUnsafePointer(to: e) { p in
                if e.time.hasFixedRFC3339Layout && ConnectionJSON.canWriteCompact(e.event, dispatched) { onePass += 1 }
                ConnectionJSON.transcriptEntry(p, &dispatched)
            }
        }
        general.endArray(); dispatched.endArray()
        #expect(Self.text(dispatched) == Self.text(general))
        #expect(onePass > list.count * 3 / 4, "most entries take the one-pass path (\(onePass) of \(list.count))")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(dispatched.bytes)) as? [[String: Any]])
        #expect(parsed.count == list.count)
    }

    /// Each entry alone, in a writer that has written it once by fields (so a handshake name is
    /// remembered): the one-pass object equals the field-by-field one and its time is `rfc3339`.
    @Test func everyEventSpelledInOnePassIsTheGeneralSpelling() {
        var w = JSONWriter()
        var checked = 0
        for e in Self.entries() where e.time.hasFixedRFC3339Layout {
            w.reset()
            ConnectionJSON.transcriptEntryByFields(e, &w)
            let expected = Self.text(w)
            guard ConnectionJSON.canWriteCompact(e.event, w) else {
                switch e.event {
                case .alert, .malformedHandshake: break
                default: Issue.record("\(e.event) should have a one-pass spelling")
                }
                continue
            }
            w.reset()
            withUnsafePointer(to: e) { ConnectionJSON.transcriptEntryCompact($0, &w) }
            #expect(Self.text(w) == expected, "\(e.event) at \(e.time)")
            #expect(Self.text(w).contains("\"time\":\"" + e.time.rfc3339 + "\""))
            checked += 1
        }
        #expect(checked > 300)
    }

    @Test func handshakeNameNotYetRememberedTakesTheGeneralPath() {
        var w = JSONWriter()
        let e = TranscriptEntry(frame: 3, time: Timestamp(seconds: 1_795_770_000, nanoseconds: 0), sender: .client,
                                event: .handshake(.serverHello, length: 87))
        #expect(!ConnectionJSON.canWriteCompact(e.event, w))
        withUnsafePointer(to: e) { ConnectionJSON.transcriptEntry($0, &w) }
        #expect(Self.text(w) == #"{"frame":3,"time":"2026-11-27T09:00:00.000000Z","sender":"client","event":"ServerHello","detail":"87 bytes"}"#)
        #expect(ConnectionJSON.canWriteCompact(e.event, w), "the general path remembers the name")
        #expect(!ConnectionJSON.canWriteCompact(.alert(level: .fatal, description: .unknownCA), w))
    }

    /// The compact lists of strings and numbers write their own commas; the general calls give the bytes.
    @Test func compactListsMatchValueByValueWriting() {
        let stringLists: [[String]] = [[], [""], ["h2"], ["h2", "http/1.1"], ["a\"b", "line\nbreak", "tab\t", "\u{7f}", "ünï", String(repeating: "x", count: 40)]]
        let intLists: [[Int]] = [[], [0], [1, 2, 3], [Int.max, Int.min, -1, 100, 99]]
        for strings in stringLists {
            for ints in intLists {
                var fast = JSONWriter(), general = JSONWriter()
                fast.beginObject(); general.beginObject()
                fast.field("s", strings: strings)
                general.key("s"); general.beginArray(); for s in strings { general.string(s) }; general.endArray()
                fast.field("i", ints: ints)
                general.key("i"); general.beginArray(); for v in ints { general.int(v) }; general.endArray()
                fast.field("u", ints: ints.map { UInt8(truncatingIfNeeded: $0) })
                general.key("u"); general.beginArray(); for v in ints { general.int(UInt8(truncatingIfNeeded: v)) }; general.endArray()
                fast.endObject(); general.endObject()
                #expect(Self.text(fast) == Self.text(general))
            }
        }
    }

    /// Texts a finding or vendor may hold: empty, escapes of every kind, multi-byte, long.
    static let texts = ["", "x", "plain text of a title", "quote \" backslash \\ tab \t nl \n cr \r", "\u{1}\u{1f}\u{7f}",
                        "ünïcødé → ✓", String(repeating: "long explanation ", count: 40), String(repeating: "\"", count: 17),
                        Hostile.name]

    @Test func findingInOnePassMatchesTheFieldByFieldPath() {
        var findings: [Finding] = []
        for (i, text) in Self.texts.enumerated() {
            let other = Self.texts[(i + 3) % Self.texts.count]
            var f = Finding(rule: i % 2 == 0 ? .serverCertRejected : RuleID(text), severity: [.info, .warning, .error][i % 3],
                            confidence: [.low, .medium, .high][i % 3], title: text, explanation: other + text,
                            remediation: other, frames: Array([0, 1, 99, 100, 123_456, Int.max].prefix(i)),
                            evidence: (0..<(i % 4)).map { Evidence(text + String($0), other, frame: $0 == 1 ? nil : $0 * 1000) },
                            sideAtFault: [nil, .client, .server][i % 3])
            if i % 2 == 1 { f.followsFrom = .serverCertRejected }
            if i % 3 != 0 { f.confidenceNote = other }
            findings.append(f)
        }
        var compact = JSONWriter(), general = JSONWriter()
        compact.beginArray(); general.beginArray()
        for f in findings {
            ConnectionJSON.finding(f, &compact)
            ConnectionJSON.findingByFields(f, &general)
        }
        compact.endArray(); general.endArray()
        #expect(Self.text(compact) == Self.text(general))
        #expect(Self.text(compact).contains(#""follows_from":"SERVER-CERT-REJECTED""#))
    }

    @Test func endpointInOnePassMatchesTheFieldByFieldPath() {
        let memo = ConnectionJSON.Memo()
        let ips = [IPAddress(v4: 0), IPAddress(v4: 0x0a00_0014), IPAddress(v4: 0xffff_ffff), IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 1),
                   IPAddress(v6High: ~0, v6Low: ~0), IPAddress(v6High: 0, v6Low: 0)]
        let macs: [EthernetAddress?] = [nil, EthernetAddress(value: 0), EthernetAddress(value: 0x0050_5600_0002),
                                        EthernetAddress(value: 0x0000_5e00_0101), EthernetAddress(value: 0xffff_ffff_ffff)]
        var compact = JSONWriter(), general = JSONWriter()
        compact.beginObject(); general.beginObject()
        for (i, ip) in ips.enumerated() {
            for (j, mac) in macs.enumerated() {
                let e = Endpoint(ip: ip, port: UInt16(truncatingIfNeeded: i * 20_011 + j))
                ConnectionJSON.endpoint("client", e, mac, side: j % 2, memo, &compact)
                ConnectionJSON.endpointByFields("client", e, mac, side: j % 2, memo, &general)
            }
        }
        compact.endObject(); general.endObject()
        #expect(Self.text(compact) == Self.text(general))
        #expect(Self.text(compact).contains(#""vendor":"VMware""#), "a vendor name is written")
    }

    /// A connection's first fields are written in one pass and its object left open for the rest.
    @Test func connectionObjectOpenedInOnePassIsTheSameDocument() throws {
        let ac = Hostile.connection()
        var compact = JSONWriter()
        ConnectionJSON.write(ac, id: 12_345, to: &compact)
        var pretty = JSONWriter(pretty: true)
        ConnectionJSON.write(ac, id: 12_345, to: &pretty)
        let a = try JSONSerialization.jsonObject(with: Data(compact.bytes)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(pretty.bytes)) as? NSDictionary
        #expect(a != nil && a == b)
        #expect(Self.text(compact).hasPrefix(#"{"id":12345,"input":0,"first_frame":1,"last_frame":10,"start_time":"2026-09-21T14:13:20.000000Z","end_time":"2026-09-21T14:13:20.000000Z","duration":0"#))
    }

    static func clientHellos() -> [Located<ClientHello>] {
        var list: [Located<ClientHello>] = []
        let t0 = Timestamp(seconds: 1_795_770_000, nanoseconds: 0)
        for i in 0..<6 {
            var h = ClientHello()
            h.legacyVersion = [ProtocolVersion.tls12, ProtocolVersion(rawValue: 0x0301), ProtocolVersion(rawValue: 0x7f7f)][i % 3]
            h.supportedVersions = i % 2 == 0 ? [] : [ProtocolVersion(rawValue: 0x1a1a), .tls13, .tls12]
            h.cipherSuites = (0..<(i * 7)).map { CipherSuite(rawValue: UInt16(0xc02b + $0 * 3)) }
            h.compressionMethods = Array([0, 1, 255].prefix(i % 4))
            h.extensions = (0..<(i * 3)).map { TLSExtension(type: ExtensionType(rawValue: UInt16($0 * 5 + i)), data: [1, 2]) }
            h.supportedGroups = i == 3 ? [NamedGroup(rawValue: 0x4a4a), NamedGroup(rawValue: 29), NamedGroup(rawValue: 0xfe01)] : []
            h.keyShareGroups = i == 4 ? [NamedGroup(rawValue: 29)] : []
            h.signatureAlgorithms = (0..<i).map { SignatureScheme(rawValue: UInt16(0x0401 + $0 * 0x100)) }
            h.alpnProtocols = Array(["h2", "http/1.1", "odd \"proto\"\n"].prefix(i % 4))
            h.ecPointFormats = Array([0, 1, 2].prefix(i % 4))
            h.serverName = i % 3 == 0 ? nil : Self.texts[i]
            h.sessionID = Array(repeating: 7, count: i * 6)
            h.hasSessionTicket = i % 2 == 1
            h.isSSLv2Compatible = i == 5
            h.extensionErrors = i == 2 ? ["bad \"length\"", ""] : []
            list.append(Located(h, frame: [0, 99, 100, Int.max, 1_150_127, 5][i], firstFrame: i, time: t0))
        }
        return list
    }

    static func serverHellos() -> [Located<ServerHello>] {
        var list: [Located<ServerHello>] = []
        let t0 = Timestamp(seconds: 1_795_770_000, nanoseconds: 0)
        for i in 0..<6 {
            var h = ServerHello()
            h.legacyVersion = [ProtocolVersion.tls12, ProtocolVersion(rawValue: 0x0300), ProtocolVersion(rawValue: 0x9999)][i % 3]
            h.selectedVersion = i % 2 == 0 ? nil : .tls13
            h.cipherSuite = CipherSuite(rawValue: [0x1301, 0xc030, 0xabcd, 0x0000, 0x00ff, 0x1a1a][i])
            h.compressionMethod = UInt8(i * 50)
            h.extensions = (0..<i).map { TLSExtension(type: ExtensionType(rawValue: UInt16($0 * 11)), data: [1, 2]) }
            h.keyShareGroup = i % 3 == 0 ? nil : NamedGroup(rawValue: UInt16(28 + i))
            h.alpnProtocol = i % 2 == 0 ? nil : Self.texts[i]
            h.sessionID = Array(repeating: 1, count: i * 6)
            h.extensionErrors = i == 4 ? ["unknown \u{1}"] : []
            list.append(Located(h, frame: [1, 0, 100, Int.max, 99, 12_345][i], firstFrame: i, time: t0))
        }
        return list
    }

    /// Hellos with and without each optional part, unnamed code points, texts to escape: the compact
    /// path (once the names are remembered) gives the field-by-field bytes, and before the names
    /// are remembered it declines and writes nothing.
    @Test func hellosInOnePassMatchTheFieldByFieldPath() {
        for ch in Self.clientHellos() {
            var w = JSONWriter()
            w.beginObject()
            #expect(!ConnectionJSON.clientHelloCompact(ch, &w) && Self.text(w) == "{", "no name remembered yet: declines, writes nothing")
            w.reset()
            w.beginObject(); ConnectionJSON.clientHelloByFields(ch, &w); w.endObject()
            let expected = Self.text(w)
            w.reset()
            w.beginObject()
            #expect(ConnectionJSON.clientHelloCompact(ch, &w), "names remembered by the general path")
            w.endObject()
            #expect(Self.text(w) == expected)
        }
        for sh in Self.serverHellos() {
            var w = JSONWriter()
            w.beginObject()
            #expect(!ConnectionJSON.serverHelloCompact("server_hello", sh, &w) && Self.text(w) == "{", "no name remembered yet: declines, writes nothing")
            w.reset()
            w.beginObject(); w.field("before", 1); ConnectionJSON.serverHelloByFields("server_hello", sh, &w); w.field("after", 2); w.endObject()
            let expected = Self.text(w)
            w.reset()
            w.beginObject(); w.field("before", 1)
            #expect(ConnectionJSON.serverHelloCompact("server_hello", sh, &w))
            w.field("after", 2); w.endObject()
            #expect(Self.text(w) == expected)
        }
    }

    /// A code-point list that misses the list memo is written from the name memo in one pass once
    /// every name is remembered: the same bytes as name by name.
    @Test func listOfRememberedNamesIsWrittenAsNameByName() {
        var w = JSONWriter()
        let names = (0..<40).map { CipherSuite(rawValue: UInt16(0xc000 + $0 * 7)) }
        w.beginObject(); w.field("a", codePoints: names); w.endObject()
        let first = Self.text(w)
        let shuffled = names.reversed() + [names[3]]
        w.reset()
        w.beginObject(); w.field("a", codePoints: Array(shuffled)); w.endObject()   // names known, list not
        let expected = "{\"a\":[" + shuffled.map { "\"" + $0.description + "\"" }.joined(separator: ",") + "]}"
        #expect(Self.text(w) == expected)
        #expect(first == "{\"a\":[" + names.map { "\"" + $0.description + "\"" }.joined(separator: ",") + "]}")
    }

    /// The fields after the endpoints (VLANs, role basis, outcome, profile, end reason) in one pass:
    /// the bytes the general calls write, for empty and full VLAN lists and texts to escape.
    @Test func connectionMiddleFieldsInOnePassAreTheGeneralBytes() throws {
        for (vlans, profile, reason) in [([UInt16](), nil as String?, "closed"), ([0, 1, 4095, 65535], "algo \"x\"\n", "idle \u{1} ünï")] {
            var ac = Hostile.connection()
            var c = ac.connection
            c.vlanIDs = vlans
            c.endReason = reason
            ac.connection = c
            ac.profile = profile
            var compact = JSONWriter()
            ConnectionJSON.write(ac, id: 1, to: &compact)
            var general = JSONWriter()
            general.beginObject()
            general.field("x", 0)
            general.key("vlan"); general.beginArray(); for v in vlans { general.int(v) }; general.endArray()
            general.key("role_basis"); general.string(c.roleBasis.rawValue)
            general.key("outcome"); general.string(c.outcome.rawValue)
            general.key("profile"); if let profile { general.string(profile) } else { general.null() }
            general.key("end_reason"); general.string(reason)
            let expected = String(Self.text(general).dropFirst(#"{"x":0"#.count)) + #","tls":{"#
            #expect(Self.text(compact).contains(expected), "\(expected)")
            var pretty = JSONWriter(pretty: true)
            ConnectionJSON.write(ac, id: 1, to: &pretty)
            let a = try JSONSerialization.jsonObject(with: Data(compact.bytes)) as? NSDictionary
            let b = try JSONSerialization.jsonObject(with: Data(pretty.bytes)) as? NSDictionary
            #expect(a != nil && a == b)
        }
    }
}
