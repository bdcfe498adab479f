import Testing
import WireCore
@testable import Packets

/// Collects what a reassembler hands on, as bytes and gap sizes.
struct Collected {
    var bytes: [UInt8] = []
    var gaps: [Int] = []
    var frames: [Int] = []
    mutating func take(_ e: StreamEvent) {
        switch e {
        case .data(let b, let f, _): bytes += Array(b); frames.append(f)
        case .gap(let n, _, _): gaps.append(n)
        }
    }
}

let t0 = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)

func feed(_ r: inout TCPReassembler, _ c: inout Collected, seq: UInt32, _ bytes: [UInt8], flags: TCPFlags = [], frame: Int = 1) {
    bytes.withUnsafeBytes { raw in
        r.segment(sequence: seq, flags: flags, payload: raw, frame: frame, time: t0) { c.take($0) }
    }
}

struct TCPReassemblerTests {
    @Test func inOrderBytesPassStraightThrough() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 100, [], flags: .syn)
        feed(&r, &c, seq: 101, [1, 2, 3])
        feed(&r, &c, seq: 104, [4, 5])
        #expect(c.bytes == [1, 2, 3, 4, 5])
        #expect(c.gaps.isEmpty)
        #expect(!r.startedWithoutSYN)
    }

    @Test func sequenceNumbersWrapAround() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: UInt32.max - 2, [], flags: .syn)   // data starts at max-1
        feed(&r, &c, seq: UInt32.max - 1, [1, 2, 3])          // crosses zero
        feed(&r, &c, seq: 1, [4, 5])
        #expect(c.bytes == [1, 2, 3, 4, 5])
    }

    @Test func outOfOrderSegmentsAreHeldUntilTheHoleFills() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        feed(&r, &c, seq: 4, [4, 5, 6], frame: 2)
        feed(&r, &c, seq: 7, [7], frame: 3)
        #expect(c.bytes.isEmpty)
        feed(&r, &c, seq: 1, [1, 2, 3], frame: 4)
        #expect(c.bytes == [1, 2, 3, 4, 5, 6, 7])
        #expect(c.frames == [4, 4, 4], "held data is attributed to the frame that completed it")
        #expect(r.outOfOrderSegments == 2)
    }

    @Test func retransmissionsAndOverlapsDeliverEachByteOnce() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        feed(&r, &c, seq: 1, [1, 2, 3, 4])
        feed(&r, &c, seq: 1, [1, 2, 3, 4])        // full retransmission
        feed(&r, &c, seq: 3, [3, 4, 5, 6])        // overlap with two new bytes
        feed(&r, &c, seq: 9, [9])                 // ahead
        feed(&r, &c, seq: 9, [9])                 // duplicate of held data
        feed(&r, &c, seq: 7, [7, 8])
        #expect(c.bytes == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(r.retransmittedSegments >= 2)
    }

    @Test func aHoleThatNeverFillsIsStatedAsAGapAtTheEnd() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        feed(&r, &c, seq: 1, [1, 2])
        feed(&r, &c, seq: 10, [10, 11])
        r.finish(frame: 9, time: t0) { c.take($0) }
        #expect(c.bytes == [1, 2, 10, 11])
        #expect(c.gaps == [7])
        #expect(r.gapBytes == 7)
    }

    @Test func anAckPastTheHoleDeclaresTheGapOnlyAfterAGracePeriod() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        feed(&r, &c, seq: 5, [5, 6], frame: 2)
        r.peerAcknowledged(7, frame: 3, time: t0) { c.take($0) }
        #expect(c.gaps.isEmpty, "a mirror port may deliver the ACK before the data it acknowledges")
        r.peerAcknowledged(7, frame: 30, time: t0) { c.take($0) }
        #expect(c.gaps == [4])
        #expect(c.bytes == [5, 6])
    }

    @Test func aMidStreamStartBeginsAtTheFirstByteSeen() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 5000, [1, 2])
        feed(&r, &c, seq: 5002, [3])
        #expect(c.bytes == [1, 2, 3])
        #expect(r.startedWithoutSYN)
    }

    @Test func theOutOfOrderBufferIsBounded() {
        var r = TCPReassembler(limits: ReassemblyLimits(maxBufferedBytes: 1000, maxBufferedSegments: 10)), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        for i in 0..<50 { feed(&r, &c, seq: UInt32(100 + i * 100), Array(repeating: UInt8(i), count: 100), frame: i) }
        #expect(r.limitHits > 0)
        #expect(!c.gaps.isEmpty, "past the limit the hole is declared a gap and data flows on")
    }

    @Test func snaplenCutTailIsAGapRightAway() {
        var r = TCPReassembler(), c = Collected()
        feed(&r, &c, seq: 0, [], flags: .syn)
        feed(&r, &c, seq: 1, [1, 2, 3])
        r.declareMissing(bytes: 100, frame: 2, time: t0) { c.take($0) }
        feed(&r, &c, seq: 104, [9])
        #expect(c.gaps == [100])
        #expect(c.bytes == [1, 2, 3, 9])
    }
}
