import Testing
import Foundation
import Connections
import Reports
import Diagnosis
import Pipeline

/// The tracker's bulk-data fast path (in-order segments inside a skipped record's body) must leave every
/// connection exactly as the event path does: application-data records split over many segments, record
/// headers cut across segments, an alert between them, a segment out of order and one retransmitted.
@Suite struct BulkDataFastPathTests {
    static let client: [UInt8] = [10, 0, 0, 30]

    /// The server's byte stream after the ClientHello: records back to back, cut into 1,400-byte segments.
    static func capture(reorder: Bool, retransmit: Bool) -> FloodPcap {
        var p = FloodPcap()
        p.handshakeStart(micros: 0, client: client, port: 41000)
        let hello = FloodPcap.clientHello
        p.tcp(micros: 300, src: client, sport: 41000, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001,
              flags: FloodPcap.psh | FloodPcap.ack, payload: hello)
        let clientEnd = UInt32(1001 + hello.count)
        func record(_ type: UInt8, _ length: Int) -> [UInt8] {
            [type, 3, 3] + FloodPcap.be16(length) + (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        }
        let stream = record(23, 16_384) + record(23, 3_001) + record(21, 2) + record(23, 9_999) + record(23, 700) + record(23, 16_000)
        var segments: [(seq: UInt32, bytes: [UInt8])] = []
        var off = 0
        while off < stream.count {
            let n = min(1_400, stream.count - off)
            segments.append((UInt32(5001 + off), Array(stream[off..<off + n])))
            off += n
        }
        var order = Array(segments.indices)
        if reorder { order.swapAt(5, 6); order.swapAt(20, 21) }
        if retransmit { order.insert(3, at: 5); order.insert(17, at: 19) }
        var t = 400
        for i in order {
            p.tcp(micros: t, src: FloodPcap.server, sport: 443, dst: client, dport: 41000, seq: segments[i].seq, ack: clientEnd,
                  flags: FloodPcap.ack, payload: segments[i].bytes)
            t += 50
        }
        let serverEnd = UInt32(5001 + stream.count)
        p.tcp(micros: t, src: client, sport: 41000, dst: FloodPcap.server, dport: 443, seq: clientEnd, ack: serverEnd,
              flags: FloodPcap.fin | FloodPcap.ack)
        p.tcp(micros: t + 50, src: FloodPcap.server, sport: 443, dst: client, dport: 41000, seq: serverEnd, ack: clientEnd + 1,
              flags: FloodPcap.fin | FloodPcap.ack)
        return p
    }

    static func json(_ p: FloodPcap, fastPath: Bool) throws -> (json: String, fast: Int) {
        var limits = TrackerLimits()
        limits.bulkDataFastPath = fastPath
        let (connections, _, stats) = try FloodTests.track(p.bytes, limits: limits)
        var w = JSONWriter()
        w.beginArray()
        for (i, c) in connections.enumerated() { ConnectionJSON.write(AnalyzedConnection(connection: c), id: i + 1, to: &w) }
        w.endArray()
        return (String(decoding: w.bytes, as: UTF8.self), stats.bulkFastPathSegments)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func theFastPathLeavesEveryConnectionAsTheEventPathDoes(reorder: Bool, retransmit: Bool) throws {
        let p = Self.capture(reorder: reorder, retransmit: retransmit)
        let fast = try Self.json(p, fastPath: true)
        let slow = try Self.json(p, fastPath: false)
        #expect(fast.fast >= 20, "the fast path was hardly taken: \(fast.fast) segments")
        #expect(slow.fast == 0)
        #expect(fast.json == slow.json)
        // The records were all seen: five of application data, and the alert between them.
        #expect(slow.json.contains("\"server_application_data_records\":5"), "\(slow.json.prefix(3000))")
    }
}
