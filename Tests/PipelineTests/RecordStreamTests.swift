import Testing
import Foundation
import WireCore
import Capture
import Packets
import TLSWire
import TestSupport

/// The TLS record stream fed real reassembled streams from committed captures: drip (one byte at a
/// time), blast (all at once) and random splits give the same events; truncated and corrupted
/// streams never trap.
struct RecordStreamTests {
    /// The reassembled bytes of each direction of the first TCP connection in a capture.
    static func streams(_ name: String) throws -> (client: [UInt8], server: [UInt8]) {
        let reader = try PcapFileReader(path: Fixtures.capture(name))
        var client = TCPReassembler(), server = TCPReassembler()
        var cBytes: [UInt8] = [], sBytes: [UInt8] = []
        var clientEndpoint: Endpoint?
        reader.forEachFrame { frame in
            guard case .tcp(let seg) = PacketDecoder.decode(linkType: frame.linkType.rawValue, bytes: frame.bytes, originalLength: frame.originalLength) else { return }
            if clientEndpoint == nil { clientEndpoint = seg.source }
            if seg.source == clientEndpoint {
                client.segment(sequence: seg.sequence, flags: seg.flags, payload: seg.payload, frame: frame.number, time: frame.timestamp) {
                    if case .data(let b, _, _) = $0 { cBytes += Array(b) }
                }
            } else if seg.destination == clientEndpoint {
                server.segment(sequence: seg.sequence, flags: seg.flags, payload: seg.payload, frame: frame.number, time: frame.timestamp) {
                    if case .data(let b, _, _) = $0 { sBytes += Array(b) }
                }
            }
        }
        return (cBytes, sBytes)
    }

    /// A comparable rendering of events (kind and decoded facts, not frames).
    static func describe(_ events: [TLSEvent]) -> [String] {
        events.map { e in
            switch e.kind {
            case .handshake(let m, let l): return "hs \(m.type.rawValue) \(l)"
            case .malformedHandshake(let t, let l, _): return "bad \(t.rawValue) \(l)"
            case .encryptedHandshake(let l): return "ehs \(l)"
            case .changeCipherSpec: return "ccs"
            case .alert(let lv, let d): return "alert \(lv.rawValue) \(d.rawValue)"
            case .encryptedAlert(let l): return "ealert \(l)"
            case .applicationData(let l): return "app \(l)"
            case .heartbeat(let l): return "hb \(l)"
            case .notTLS(let p): return "plain \(p.count)"
            case .tlsAfterPlaintext(let n): return "starttls \(n)"
            case .resynchronized(let n): return "resync \(n)"
            case .anomaly(let a): return "anomaly \(a.kind)"
            }
        }
    }

    static func run(_ bytes: [UInt8], chunks: [Int], prepare: (inout TLSRecordStream) -> Void = { _ in }) -> [String] {
        var s = TLSRecordStream()
        prepare(&s)
        var events: [TLSEvent] = []
        var offset = 0
        for n in chunks where offset < bytes.count {
            let end = min(bytes.count, offset + n)
            bytes[offset..<end].withUnsafeBytes { s.feed($0, frame: 1, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events) }
            offset = end
        }
        s.finish(frame: 2, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events)
        return describe(events)
    }

    @Test(arguments: ["tls12_ok.pcap", "tls13_ok.pcap", "mtls_device_ok.pcap", "unknown_ca.pcap", "hrr_tls13_ok.pcap",
                      "no_client_cert.pcap", "sslv2_hello.pcap", "plaintext_sip_to_tls.pcap"])
    func dripBlastAndRandomSplitsAgree(_ name: String) throws {
        let (client, server) = try Self.streams(name)
        for bytes in [client, server] where !bytes.isEmpty {
            let blast = Self.run(bytes, chunks: [bytes.count])
            let drip = Self.run(bytes, chunks: Array(repeating: 1, count: bytes.count))
            #expect(drip == blast, "\(name): drip feed")
            var rng = SplitMix64(seed: UInt64(bytes.count))
            var splits: [Int] = []
            var total = 0
            while total < bytes.count { let n = Int(rng.next() % 700) + 1; splits.append(n); total += n }
            #expect(Self.run(bytes, chunks: splits) == blast, "\(name): random splits")
            #expect(!blast.isEmpty)
        }
    }

    @Test func aServerFlightDecodesToItsMessages() throws {
        let (_, server) = try Self.streams("mtls_device_ok.pcap")
        let events = Self.run(server, chunks: [server.count])
        // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone, then CCS + Finished.
        #expect(Array(events.prefix(5)).map { $0.split(separator: " ")[1] } == ["2", "11", "12", "13", "14"])
        #expect(events.contains("ccs"))
    }

    @Test func truncatedAndCorruptedStreamsNeverTrap() throws {
        for name in ["tls12_ok.pcap", "mtls_device_ok.pcap", "tls13_ok.pcap"] {
            let (client, server) = try Self.streams(name)
            for bytes in [client, server] {
                for n in stride(from: 0, through: bytes.count, by: 7) { _ = Self.run(Array(bytes.prefix(n)), chunks: [n]) }
                var rng = SplitMix64(seed: 42)
                for _ in 0..<200 {
                    var bad = bytes
                    bad[Int(rng.next() % UInt64(bad.count))] = UInt8(truncatingIfNeeded: rng.next())
                    _ = Self.run(bad, chunks: [97, 1, 500, 3, bad.count])
                }
            }
        }
    }

    @Test func aGapInsideASkippedRecordKeepsTheFraming() throws {
        let (client, _) = try Self.streams("tls12_ok.pcap")
        let whole = Self.run(client, chunks: [client.count])
        // Find the first application-data record and drop 10 bytes from its middle as a gap.
        var s = TLSRecordStream()
        var events: [TLSEvent] = []
        var i = 0
        var lastHeader = 0
        while i + 5 <= client.count {
            let len = Int(client[i + 3]) << 8 | Int(client[i + 4])
            if client[i] == 23 { lastHeader = i; break }
            i += 5 + len
        }
        #expect(lastHeader > 0)
        let cut = lastHeader + 5 + 4
        client[0..<cut].withUnsafeBytes { s.feed($0, frame: 1, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events) }
        s.gap(bytes: 10, frame: 2, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events)
        client[(cut + 10)...].withUnsafeBytes { s.feed($0, frame: 3, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events) }
        #expect(Self.describe(events) == whole, "no resync needed: the hole was inside a record we skip")
    }

    @Test func garbageAfterAGapIsSkippedUntilTheNextRecord() throws {
        let (_, server) = try Self.streams("tls12_ok.pcap")
        var s = TLSRecordStream()
        var events: [TLSEvent] = []
        let t = Timestamp(seconds: 0, nanoseconds: 0)
        server[0..<3].withUnsafeBytes { s.feed($0, frame: 1, time: t, into: &events) }  // a header cut short
        s.gap(bytes: 1000, frame: 2, time: t, into: &events)
        // Junk, then the stream from its second record on.
        let firstLen = Int(server[3]) << 8 | Int(server[4])
        let junk: [UInt8] = [0x00, 0xff, 0x13, 0x37, 0x42]
        (junk + Array(server[(5 + firstLen)...])).withUnsafeBytes { s.feed($0, frame: 3, time: t, into: &events) }
        let d = Self.describe(events)
        #expect(d.contains { $0.hasPrefix("resync") })
        #expect(d.contains { $0.hasPrefix("hs 11") } || d.contains { $0.hasPrefix("hs 12") } || d.contains("ccs"))
    }

    @Test func startTLSIsFoundAfterPlaintext() throws {
        let (_, server) = try Self.streams("tls12_ok.pcap")
        let plaintext = Array("220 mail.example.com ESMTP\r\n".utf8)
        var s = TLSRecordStream()
        var events: [TLSEvent] = []
        let t = Timestamp(seconds: 0, nanoseconds: 0)
        plaintext.withUnsafeBytes { s.feed($0, frame: 1, time: t, into: &events) }
        server.withUnsafeBytes { s.feed($0, frame: 2, time: t, into: &events) }
        let d = Self.describe(events)
        #expect(d.first?.hasPrefix("plain") == true)
        #expect(d.contains("starttls \(plaintext.count)"))
        #expect(d.contains("hs 2 \(Int(server[7]) << 8 | Int(server[8]))"))
    }
}
