import Testing
import Foundation
@testable import Connections
import Capture
import Pipeline

/// The sweep finishes lingering closed connections from the front of its list when they closed in order of
/// capture time (`ConnectionTracker.sweepsClosingFrontOnly`), and walks the whole list otherwise. Both must
/// finish the same connections at the same frames, in the same order: captures with closes by FIN and RST,
/// flows finished by the idle timeout while they linger, and capture time that steps back now and then.
@Suite struct PerFrameSweepTests {
    /// Each emitted connection as (client port, end reason, frames read when it was emitted).
    static func run(_ p: FloodPcap, limits: TrackerLimits, frontOnly: Bool) throws -> [String] {
        let path = Robust.write(p.bytes, name: "perframe-sweep-\(frontOnly).pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var out: [String] = []
        var frames = 0
        let tracker = ConnectionTracker(input: 0, limits: limits) { c in
            out.append("\(c.client.port) \(c.endReason) \(frames) \(c.tcp.fins.count) \(c.tcp.rsts.count)")
        }
        tracker.sweepsClosingFrontOnly = frontOnly
        let feed = FrameFeed(tracker: tracker)
        try PcapFileReader(path: path).forEachFrame { f in
            frames += 1
            feed.process(f)
        }
        feed.finish()
        return out
    }

    /// `n` connections opened every ~40 ms; each sends a hello and closes (FIN both ways, or RST) after a
    /// while, some never close (idle); with `backwards`, some frames carry a time up to 300 ms earlier.
    static func capture(n: Int, seed: UInt64, backwards: Bool) -> FloodPcap {
        var rng = Random(state: seed)
        var p = FloodPcap()
        let client: [UInt8] = [10, 0, 0, 20]
        for i in 0..<n {
            let port = 20000 + i
            let start = i * 40_000 + Int(rng.next() % 20_000)
            p.handshakeStart(micros: start, client: client, port: port)
            let hello = FloodPcap.clientHello
            p.tcp(micros: start + 300, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001,
                  flags: FloodPcap.psh | FloodPcap.ack, payload: hello)
            let end = UInt32(1001 + hello.count)
            var close = start + 1000 + Int(rng.next() % 400_000)
            if backwards && rng.next() % 5 == 0 { close -= Int(rng.next() % 300_000) }
            close = max(close, start + 400)
            switch rng.next() % 4 {
            case 0:
                p.tcp(micros: close, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: end, ack: 5001,
                      flags: FloodPcap.rst)
            case 1:
                break   // never closes: finished idle, or at the end
            default:
                p.tcp(micros: close, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: end, ack: 5001,
                      flags: FloodPcap.fin | FloodPcap.ack)
                p.tcp(micros: close + 100, src: FloodPcap.server, sport: 443, dst: client, dport: port, seq: 5001, ack: end + 1,
                      flags: FloodPcap.fin | FloodPcap.ack)
            }
        }
        return p
    }

    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 17
        }
    }

    @Test(arguments: [(false, UInt64(1)), (true, UInt64(2)), (true, UInt64(3))])
    func frontOnlySweepFinishesWhatTheFullWalkFinishes(backwards: Bool, seed: UInt64) throws {
        let p = Self.capture(n: 400, seed: seed, backwards: backwards)
        var limits = TrackerLimits()
        limits.closeLinger = 0.5
        limits.idleTimeout = 0.3   // shorter than the linger: some closed flows finish idle while in the list
        let front = try Self.run(p, limits: limits, frontOnly: true)
        let walk = try Self.run(p, limits: limits, frontOnly: false)
        #expect(front.count == 400)
        #expect(front == walk)
        // Closed ones were finished while the capture went on, not all at its end.
        #expect(front.filter { $0.contains(" closed ") }.count > 100)
    }
}
