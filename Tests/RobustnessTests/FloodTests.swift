import Testing
import Foundation
import WireCore
import Capture
import Packets
import Connections
import Reports
import Pipeline
import TestSupport

/// Builds classic pcap files of Ethernet/IPv4/TCP frames in memory (small versions of the floods
/// scripts/make-floods.py writes for scripts/flood-check.sh).
struct FloodPcap {
    var bytes: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]
    var frames = 0
    static let server: [UInt8] = [10, 0, 0, 5]
    static let t0: UInt32 = 1_795_000_000

    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8 & 0xff), UInt8(v >> 16 & 0xff), UInt8(v >> 24)] }
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    /// `micros`: capture time after t0.
    mutating func tcp(micros: Int, src: [UInt8], sport: Int, dst: [UInt8], dport: Int, seq: UInt32, ack: UInt32,
                      flags: UInt8, payload: [UInt8] = []) {
        var f: [UInt8] = [0x02, 0, 0, 0, 0, 0x05, 0x00, 0x22, 0xee, 0x09, 0x00, 0x45, 0x08, 0x00]
        f += [0x45, 0] + Self.be16(40 + payload.count) + Self.be16(frames & 0xffff) + [0x40, 0, 64, 6, 0, 0] + src + dst
        f += Self.be16(sport) + Self.be16(dport) + Self.be32(seq) + Self.be32(ack) + [0x50, flags] + Self.be16(64240) + [0, 0, 0, 0]
        f += payload
        bytes += Self.le32(Self.t0 + UInt32(micros / 1_000_000)) + Self.le32(UInt32(micros % 1_000_000))
        bytes += Self.le32(UInt32(f.count)) + Self.le32(UInt32(f.count)) + f
        frames += 1
    }

    static let syn: UInt8 = 0x02, ack: UInt8 = 0x10, psh: UInt8 = 0x08, rst: UInt8 = 0x04, fin: UInt8 = 0x01

    /// A TLS 1.2 ClientHello record with SNI sip.example.com.
    static let clientHello: [UInt8] = {
        let sni = Array("sip.example.com".utf8)
        let suites: [UInt8] = [0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c, 0x00, 0x2f]
        var ext: [UInt8] = [0, 0] + be16(sni.count + 5) + be16(sni.count + 3) + [0] + be16(sni.count) + sni
        ext += [0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17]
        var body: [UInt8] = [3, 3] + [UInt8](repeating: 0x11, count: 32) + [0] + be16(suites.count) + suites + [1, 0]
        body += be16(ext.count) + ext
        let hs: [UInt8] = [1, 0] + be16(body.count) + body
        return [0x16, 3, 1] + be16(hs.count) + hs
    }()

    mutating func handshakeStart(micros: Int, client: [UInt8], port: Int) {
        tcp(micros: micros, src: client, sport: port, dst: Self.server, dport: 443, seq: 1000, ack: 0, flags: Self.syn)
        tcp(micros: micros + 100, src: Self.server, sport: 443, dst: client, dport: port, seq: 5000, ack: 1001, flags: Self.syn | Self.ack)
        tcp(micros: micros + 200, src: client, sport: port, dst: Self.server, dport: 443, seq: 1001, ack: 5001, flags: Self.ack)
    }

    static func host(_ i: Int) -> [UInt8] { [10, UInt8(64 + (i >> 16) % 128), UInt8(i >> 8 & 0xff), UInt8(i & 0xff)] }
}

@Suite struct FloodTests {
    /// Runs a capture through reader → FrameFeed → tracker, checking the table after every frame.
    static func track(_ bytes: [UInt8], limits: TrackerLimits) throws -> (connections: [Connection], maxTracked: Int, stats: TrackerStats) {
        let path = Robust.write(bytes, name: "flood.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try PcapFileReader(path: path)
        var out: [Connection] = []
        let tracker = ConnectionTracker(input: 0, limits: limits) { out.append($0) }
        let feed = FrameFeed(tracker: tracker)
        var maxTracked = 0
        reader.forEachFrame { f in
            feed.process(f)
            maxTracked = max(maxTracked, tracker.trackedFlows)
        }
        tracker.finishAll()
        return (out, maxTracked, tracker.stats)
    }

    @Test func synFloodFromDistinctSourcesKeepsTheTableBoundedAndSaysWhatWasCutShort() throws {
        var p = FloodPcap()
        let n = 20_000
        for i in 0..<n {   // 10,000 SYNs a second: nothing goes idle, only the table limit can help
            p.tcp(micros: i * 100, src: FloodPcap.host(i), sport: 1024 + (i * 7919) % 60000, dst: FloodPcap.server, dport: 443,
                  seq: UInt32(truncatingIfNeeded: i &* 2654435761), ack: 0, flags: FloodPcap.syn)
        }
        var limits = TrackerLimits()
        limits.maxConnections = 2_000
        let r = try Self.track(p.bytes, limits: limits)
        #expect(r.maxTracked <= limits.maxConnections)
        #expect(r.connections.count == n, "every SYN is still reported as a connection")
        let cut = r.connections.filter { $0.anomalies.contains { $0.kind == .connectionLimit } }
        #expect(cut.count == r.stats.connectionsFinishedByLimit)
        #expect(cut.count >= n - limits.maxConnections)
        #expect(r.connections.allSatisfy { $0.outcome == .tcpNoAnswer })
    }

    /// The limit finishes the least recently active connections, exactly as many as it must: here 11 of
    /// the 30 silent since the start, several at the same microsecond, and none of those seen again later.
    @Test func theLimitFinishesTheLeastRecentlyActiveEvenWhenTheyTie() throws {
        var p = FloodPcap()
        func syn(_ i: Int, at micros: Int) {
            p.tcp(micros: micros, src: FloodPcap.host(i), sport: 40000, dst: FloodPcap.server, dport: 443, seq: 1, ack: 0, flags: FloodPcap.syn)
        }
        for i in 0..<60 { syn(i, at: 0) }          // all at one instant
        for i in 60..<100 { syn(i, at: 10) }
        for i in 0..<30 { syn(i, at: 20) }         // retransmitted: these are active again
        syn(100, at: 30)                           // 101 open connections: 11 must go (1 over, plus 10 %)
        var limits = TrackerLimits()
        limits.maxConnections = 100
        let r = try Self.track(p.bytes, limits: limits)
        let cut = r.connections.filter { $0.anomalies.contains { $0.kind == .connectionLimit } }
        #expect(r.stats.connectionsFinishedByLimit == 11)
        #expect(cut.count == 11)
        let silentSinceStart = Set((30..<60).map { "10.64.0.\($0)" })
        #expect(cut.allSatisfy { silentSinceStart.contains("\($0.client.ip)") })
        #expect(r.connections.count == 101)
    }

    @Test func theReportSaysHowManyConnectionsTheLimitCutShort() throws {
        var p = FloodPcap()
        for i in 0..<1_500 {
            p.tcp(micros: i * 100, src: FloodPcap.host(i), sport: 40000, dst: FloodPcap.server, dport: 443, seq: 1, ack: 0, flags: FloodPcap.syn)
        }
        var limits = TrackerLimits()
        limits.maxConnections = 200
        let o = Robust.analyze(p.bytes, name: "synflood.pcap", limits: limits)
        #expect(Robust.problem(o, checkJSON: true) == nil)
        #expect(o.input.tracker.connectionsFinishedByLimit >= 1_300)
        var w = JSONWriter()
        InputJSON.write([o.input], to: &w)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [[String: Any]])
        let packets = try #require(doc.first?["packets"] as? [String: Any])
        #expect(packets["connections_finished_by_limit"] as? Int == o.input.tracker.connectionsFinishedByLimit)
        let c = try #require(o.connections.first { $0.connection.anomalies.contains { $0.kind == .connectionLimit } })
        var cw = JSONWriter()
        ConnectionJSON.write(c, id: 1, to: &cw)
        #expect(String(decoding: cw.bytes, as: UTF8.self).contains("\"connection_limit\""))
    }

    @Test func connectionsThatNeverFinishTheirHandshakeStayBounded() throws {
        var p = FloodPcap()
        let n = 5_000
        for i in 0..<n {
            let c = FloodPcap.host(i)
            p.handshakeStart(micros: i * 1_000, client: c, port: 40000 + i % 20000)
            p.tcp(micros: i * 1_000 + 300, src: c, sport: 40000 + i % 20000, dst: FloodPcap.server, dport: 443,
                  seq: 1001, ack: 5001, flags: FloodPcap.psh | FloodPcap.ack, payload: FloodPcap.clientHello)
        }
        var limits = TrackerLimits()
        limits.maxConnections = 500
        let r = try Self.track(p.bytes, limits: limits)
        #expect(r.maxTracked <= limits.maxConnections)
        #expect(r.connections.count == n)
        #expect(r.connections.allSatisfy { $0.outcome == .noServerHello && $0.tls.clientHello != nil })
        #expect(r.connections.filter { $0.anomalies.contains { $0.kind == .connectionLimit } }.count == r.stats.connectionsFinishedByLimit)
        #expect(r.stats.connectionsFinishedByLimit >= n - limits.maxConnections)
    }

    /// A ClientHello, then a stream of garbage: random bytes, and tiny well-framed handshake records whose
    /// messages never parse (before the cap, 16 MB of these made 1.6 million anomalies on one connection).
    @Test func garbageAfterTheHelloKeepsTheConnectionsFactsBounded() throws {
        var rng = SplitMix64(seed: 6)
        let random = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let malformed = Array([[UInt8]](repeating: [0x16, 3, 3, 0, 5, 1, 0, 0, 1, 0], count: 30_000).joined())
        for (label, garbage) in [("random", random), ("malformed records", malformed)] {
            var p = FloodPcap()
            let c: [UInt8] = [10, 0, 0, 20]
            p.handshakeStart(micros: 0, client: c, port: 50712)
            p.tcp(micros: 1000, src: c, sport: 50712, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001,
                  flags: FloodPcap.psh | FloodPcap.ack, payload: FloodPcap.clientHello)
            var seq = UInt32(1001 + FloodPcap.clientHello.count)
            var off = 0, t = 2000
            while off < garbage.count {
                let chunk = Array(garbage[off..<min(off + 1448, garbage.count)])
                p.tcp(micros: t, src: c, sport: 50712, dst: FloodPcap.server, dport: 443, seq: seq, ack: 5001, flags: FloodPcap.ack, payload: chunk)
                seq &+= UInt32(chunk.count); off += chunk.count; t += 20
            }
            let r = try Self.track(p.bytes, limits: TrackerLimits())
            let conn = try #require(r.connections.first, "\(label)")
            #expect(r.connections.count == 1)
            #expect(conn.tls.clientHello != nil, "\(label): the hello before the garbage is kept")
            #expect(conn.anomalies.count <= 64 + 16, "\(label): \(conn.anomalies.count) anomalies")
            #expect(conn.tls.malformedMessages.count <= 16, "\(label)")
            #expect(conn.transcript.count <= TrackerLimits().maxTranscriptEntries, "\(label)")
            if label == "malformed records" {
                #expect(conn.anomalies.contains { $0.kind.rawValue == "anomaly_limit" }, "the cut is stated")
            }
        }
    }

    /// Thousands of one-byte segments, the first half in reverse order, the rest shuffled.
    @Test func thousandsOfTinyOutOfOrderSegmentsHitTheReassemblyLimitAndSayIt() throws {
        var p = FloodPcap()
        let c: [UInt8] = [10, 0, 0, 21]
        p.handshakeStart(micros: 0, client: c, port: 50713)
        let data = FloodPcap.clientHello + [UInt8](repeating: 0, count: 4_000 - FloodPcap.clientHello.count)
        var order = Array((0..<2_000).reversed())
        var rest = Array(2_000..<4_000)
        var rng = SplitMix64(seed: 7)
        rest.shuffle(using: &rng)
        order += rest
        for (k, i) in order.enumerated() {
            p.tcp(micros: 1000 + k, src: c, sport: 50713, dst: FloodPcap.server, dport: 443, seq: 1001 + UInt32(i), ack: 5001,
                  flags: FloodPcap.ack, payload: [data[i]])
        }
        p.tcp(micros: 9000, src: FloodPcap.server, sport: 443, dst: c, dport: 50713, seq: 5001, ack: 1001 + 4000, flags: FloodPcap.rst | FloodPcap.ack)
        let limits = TrackerLimits()
        let r = try Self.track(p.bytes, limits: limits)
        let conn = try #require(r.connections.first)
        #expect(r.connections.count == 1)
        #expect(conn.tcp.client.reassemblyLimitHits > 0)
        #expect(conn.anomalies.contains { $0.kind == .reassemblyLimit })
        #expect(conn.anomalies.contains { $0.kind == .tcpGap }, "holes declared early are stated as gaps")
        #expect(conn.tcp.gaps.count <= 32)
        #expect(conn.transcript.count <= limits.maxTranscriptEntries)
    }

    /// A SYN flood from thousands of sources is thousands of "devices": the human-readable reports list
    /// the first 2,000 and say how many connections they left out (a million made 1.8 GB before).
    @Test func theDeviceListOfAFloodIsBoundedAndSaysWhatItLeftOut() throws {
        var p = FloodPcap()
        let n = 2_100
        for i in 0..<n {
            p.tcp(micros: i * 100, src: FloodPcap.host(i), sport: 40000, dst: FloodPcap.server, dport: 443, seq: 1, ack: 0, flags: FloodPcap.syn)
        }
        let o = Robust.analyze(p.bytes, name: "devices.pcap")
        #expect(o.connections.count == n)
        var g = DeviceGrouper()
        for (i, ac) in o.connections.enumerated() { g.add(ConnectionDigest(ac, id: i + 1)) }
        #expect(g.devices.count == g.maxDevices)
        #expect(g.unlistedConnections == n - g.maxDevices)
        for format in ["text", "markdown", "html"] {
            let path = Robust.tmp.appendingPathComponent("devices-\(format)").path
            let sink = try #require(OutputSink(path: path))
            let r = ReportFactory.make(format: format, out: sink, color: false, redact: false)
            r.begin()
            for ac in o.connections { r.connection(ac) }
            r.finish(inputs: [o.input])
            sink.flush()
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.contains("\(n - g.maxDevices) more connections from further devices"), "\(format)")
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
