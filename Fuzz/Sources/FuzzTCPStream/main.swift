// Fuzzes TCP reassembly and the connection tracker with fuzzer-chosen segments: sequence numbers,
// flags, overlaps, retransmissions, holes, snaplen cuts, several connections on a small table with
// small buffers (so every limit path runs), then the per-connection summary.
//
// Input: a sequence of segments, each
//   [flags: bits 0-5 TCP FIN SYN RST PSH ACK URG, bit 6 from the server][connection 0-3 | time step << 2]
//   [seq u32][ack u32][payload length u16][bytes cut by the snaplen u8][payload...]
// fuzz/make-seeds.py writes the fixtures' own segments in this form.
import FuzzSupport
import WireCore
import Packets
import Connections
import TLSWire

let limits: TrackerLimits = {
    var l = TrackerLimits()
    l.maxConnections = 3
    l.idleTimeout = 30
    l.tombstoneTTL = 10
    l.maxTranscriptEntries = 48
    l.reassembly = ReassemblyLimits(maxBufferedBytes: 4096, maxBufferedSegments: 16)
    return l
}()

func frame(client: UInt8, fromServer: Bool, flags: UInt8, seq: UInt32, ack: UInt32,
           payload: UnsafeRawBufferPointer, cut: Int) -> [UInt8] {
    let c: [UInt8] = [10, 0, 0, 20 + client], s: [UInt8] = [10, 0, 0, 5]
    let cport = 50000 + Int(client), sport = 443
    let (src, dst, sp, dp) = fromServer ? (s, c, sport, cport) : (c, s, cport, sport)
    let total = 40 + payload.count + cut
    var f: [UInt8] = [0x45, 0, UInt8(total >> 8 & 0xff), UInt8(total & 0xff), 0, 0, 0x40, 0, 64, 6, 0, 0] + src + dst
    f += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff)]
    f += [UInt8(seq >> 24), UInt8(seq >> 16 & 0xff), UInt8(seq >> 8 & 0xff), UInt8(seq & 0xff)]
    f += [UInt8(ack >> 24), UInt8(ack >> 16 & 0xff), UInt8(ack >> 8 & 0xff), UInt8(ack & 0xff)]
    f += [0x50, flags & 0x3f, 0xfa, 0xf0, 0, 0, 0, 0]
    f += payload
    return f
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var c = FuzzChooser(fuzzBytes(data, size))
    var emitted: [Connection] = []
    let tracker = ConnectionTracker(input: 0, limits: limits) { emitted.append($0) }
    var time = Timestamp(seconds: 1_795_000_000, nanoseconds: 0)
    var number = 0
    while c.bytes.count >= 13 && number < 4096 {
        let flags = c.byte()
        let sel = c.byte()
        let seq = UInt32(c.u16()) << 16 | UInt32(c.u16())
        let ack = UInt32(c.u16()) << 16 | UInt32(c.u16())
        let length = Int(c.u16())
        let cut = Int(c.byte())
        let payload = c.take(length)
        let bytes = frame(client: sel & 3, fromServer: flags & 0x40 != 0, flags: flags, seq: seq, ack: ack, payload: payload, cut: cut)
        // Time steps: 0, a millisecond, a second, or a minute (idle timeouts, lingering closes, tombstones).
        let steps: [Int64] = [0, 1_000_000, 1_000_000_000, 60_000_000_000]
        let ns = Int64(time.nanoseconds) + steps[Int(sel >> 2) & 3]
        time = Timestamp(seconds: time.seconds + ns / 1_000_000_000, nanoseconds: Int32(ns % 1_000_000_000))
        number += 1
        bytes.withUnsafeBytes { raw in
            if case .tcp(let seg) = PacketDecoder.decode(linkType: PacketDecoder.dltRaw, bytes: raw, originalLength: raw.count + cut) {
                tracker.process(seg, frame: number, time: time)
            }
        }
        precondition(tracker.trackedFlows <= limits.maxConnections + 1, "table past its limit: \(tracker.trackedFlows)")
    }
    tracker.finishAll()
    for conn in emitted {
        precondition(conn.transcript.count <= limits.maxTranscriptEntries, "transcript \(conn.transcript.count)")
        precondition(conn.anomalies.count <= 64 + 16, "anomalies \(conn.anomalies.count)")
        precondition(conn.tcp.gaps.count <= 32)
        for s in [conn.tcp.client, conn.tcp.server] {
            precondition(s.gapBytes >= 0 && s.gapCount >= 0 && s.retransmittedSegments >= 0)
        }
        precondition(conn.firstFrame <= conn.lastFrame && conn.lastFrame <= number)
        for e in conn.transcript { precondition(e.frame >= 1 && e.frame <= number, "transcript frame \(e.frame)") }
    }
    return 0
}

runFuzzer(testOneInput)
