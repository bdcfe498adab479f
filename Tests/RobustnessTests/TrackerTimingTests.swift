import Testing
import Foundation
import Connections
import Capture
import Pipeline

/// When the tracker finishes a connection: closed ones after `closeLinger` (not at the end of the capture),
/// idle ones after `idleTimeout`, and a finished connection's late segments are strays until its tombstone
/// is forgotten after `tombstoneTTL`. Built with FloodPcap frames, read through the real reader and feed.
@Suite struct TrackerTimingTests {
    static let client: [UInt8] = [10, 0, 0, 20]
    static let other: [UInt8] = [10, 0, 0, 21]

    /// A full TCP exchange with a ClientHello, closed by FINs from both sides, starting at `micros`.
    static func closedConnection(_ p: inout FloodPcap, micros: Int, port: Int) {
        p.handshakeStart(micros: micros, client: client, port: port)
        let hello = FloodPcap.clientHello
        p.tcp(micros: micros + 300, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001,
              flags: FloodPcap.psh | FloodPcap.ack, payload: hello)
        let end = UInt32(1001 + hello.count)
        p.tcp(micros: micros + 400, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: end, ack: 5001,
              flags: FloodPcap.fin | FloodPcap.ack)
        p.tcp(micros: micros + 500, src: FloodPcap.server, sport: 443, dst: client, dport: port, seq: 5001, ack: end + 1,
              flags: FloodPcap.fin | FloodPcap.ack)
    }

    /// Keep-alive traffic of another connection, one segment every 100 ms from `from` to `to` seconds, so
    /// capture time moves on and the tracker sweeps.
    static func ticks(_ p: inout FloodPcap, from: Int, to: Int, opening: Bool = true) {
        if opening { p.handshakeStart(micros: from * 1_000_000, client: other, port: 50000) }
        var t = from * 1_000_000 + 100_000
        while t < to * 1_000_000 {
            p.tcp(micros: t, src: other, sport: 50000, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001, flags: FloodPcap.ack)
            t += 100_000
        }
    }

    /// Runs frames through reader → FrameFeed → tracker; returns each connection with the frame count
    /// read when it was emitted.
    static func run(_ p: FloodPcap, limits: TrackerLimits) throws -> (emitted: [(Connection, atFrame: Int)], stats: TrackerStats) {
        let path = Robust.write(p.bytes, name: "timing.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var out: [(Connection, atFrame: Int)] = []
        var frames = 0
        let tracker = ConnectionTracker(input: 0, limits: limits) { out.append(($0, frames)) }
        let feed = FrameFeed(tracker: tracker)
        try PcapFileReader(path: path).forEachFrame { f in
            frames += 1
            feed.process(f)
        }
        feed.finish()
        return (out, tracker.stats)
    }

    @Test func aClosedConnectionIsFinishedAfterTheLingerNotAtTheEnd() throws {
        var p = FloodPcap()
        Self.closedConnection(&p, micros: 0, port: 40001)
        Self.ticks(&p, from: 0, to: 10)
        var limits = TrackerLimits()
        limits.closeLinger = 2
        let r = try Self.run(p, limits: limits)
        let closed = try #require(r.emitted.first { $0.0.client.port == 40001 })
        #expect(closed.0.endReason == "closed")
        // Emitted while the capture went on: between 2 s and 3 s of capture time (frames every 100 ms).
        #expect(closed.atFrame < p.frames - 50, "emitted at frame \(closed.atFrame) of \(p.frames)")
        #expect(closed.atFrame > 3 + 20)
    }

    @Test func anIdleConnectionIsFinishedAfterTheIdleTimeout() throws {
        var p = FloodPcap()
        p.handshakeStart(micros: 0, client: Self.client, port: 40002)   // opens, then never another segment
        Self.ticks(&p, from: 0, to: 10)
        var limits = TrackerLimits()
        limits.idleTimeout = 3
        let r = try Self.run(p, limits: limits)
        let idle = try #require(r.emitted.first { $0.0.client.port == 40002 })
        #expect(idle.0.endReason == "idle for 3 s")
        #expect(r.stats.connectionsFinishedByIdle >= 1)
        #expect(idle.atFrame < p.frames - 30, "emitted at frame \(idle.atFrame) of \(p.frames)")
    }

    @Test func lateSegmentsOfAFinishedConnectionAreStraysUntilItsTombstoneIsForgotten() throws {
        var limits = TrackerLimits()
        limits.closeLinger = 1
        limits.tombstoneTTL = 4
        func lateSegment(afterSeconds s: Int) throws -> (connections: Int, strays: Int) {
            var p = FloodPcap()
            Self.closedConnection(&p, micros: 0, port: 40003)
            Self.ticks(&p, from: 0, to: s + 2)
            p.tcp(micros: s * 1_000_000 + 50_000, src: Self.client, sport: 40003, dst: FloodPcap.server, dport: 443,
                  seq: 9999, ack: 5002, flags: FloodPcap.psh | FloodPcap.ack, payload: [0x17, 3, 3, 0, 1, 0])
            let r = try Self.run(p, limits: limits)
            return (r.emitted.filter { $0.0.client.port == 40003 || $0.0.server.port == 40003 }.count, r.stats.strayTCPSegments)
        }
        let soon = try lateSegment(afterSeconds: 3)      // lingered and finished, tombstone still there
        #expect(soon.connections == 1)
        #expect(soon.strays >= 1)
        let later = try lateSegment(afterSeconds: 8)     // tombstone forgotten: the segment starts a new (mid-stream) flow
        #expect(later.connections == 2)
    }

    /// The open connections and the tombstones of finished ones are kept apart (`ConnectionTracker`):
    /// a new SYN on the addresses and ports of a finished connection starts a new one, while another
    /// late segment of it stays a stray; the same for a connection finished by the idle timeout.
    @Test func aNewSYNOnAFinishedConnectionsPortsStartsANewConnection() throws {
        var limits = TrackerLimits()
        limits.closeLinger = 1
        limits.idleTimeout = 3
        limits.tombstoneTTL = 60
        var p = FloodPcap()
        Self.closedConnection(&p, micros: 0, port: 40004)             // finished after the linger
        p.handshakeStart(micros: 0, client: Self.client, port: 40005)  // finished by the idle timeout
        Self.ticks(&p, from: 0, to: 6)
        // Capture time runs on: a late ACK of each (strays), then a new connection on each one's addresses
        // and ports, which the ticks after it see finished in turn (closed, after the linger).
        for port in [40004, 40005] {
            p.tcp(micros: 6_000_000 + port, src: Self.client, sport: port, dst: FloodPcap.server, dport: 443,
                  seq: 9999, ack: 5002, flags: FloodPcap.ack)
            Self.closedConnection(&p, micros: 6_500_000 + port, port: port)
        }
        Self.ticks(&p, from: 7, to: 12, opening: false)
        let r = try Self.run(p, limits: limits)
        for port in [40004, 40005] {
            let conns = r.emitted.filter { $0.0.client.port == port }
            #expect(conns.count == 2, "port \(port): \(conns.count) connections")
            #expect(conns.first?.0.endReason == (port == 40004 ? "closed" : "idle for 3 s"), "port \(port)")
            // The new connection: analysed, and finished by its close during the capture, not at its end.
            #expect(conns.last?.0.tls.clientHello != nil && conns.last?.0.endReason == "closed", "port \(port)")
            #expect((conns.last?.atFrame ?? p.frames) < p.frames - 10, "port \(port)")
        }
        #expect(r.stats.strayTCPSegments == 2)
        #expect(r.stats.connections == 5)   // two on each port, and the ticks' connection
    }
}
