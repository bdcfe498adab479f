import WireCore

/// Limits that keep one direction's memory bounded whatever the capture holds.
public struct ReassemblyLimits: Sendable {
    /// Out-of-order bytes held while waiting for a hole to fill; past it the hole is declared a gap.
    public var maxBufferedBytes: Int
    /// Out-of-order segments held.
    public var maxBufferedSegments: Int
    public init(maxBufferedBytes: Int = 256 * 1024, maxBufferedSegments: Int = 512) {
        self.maxBufferedBytes = maxBufferedBytes
        self.maxBufferedSegments = maxBufferedSegments
    }
    public static let `default` = ReassemblyLimits()
}

/// What one direction's reassembler hands on: bytes in stream order, or a statement that bytes
/// are missing. `data` points into the packet (or into the reassembler's own buffer) and is only
/// valid during the call.
public enum StreamEvent {
    case data(UnsafeRawBufferPointer, frame: Int, time: Timestamp)
    /// `bytes` bytes of this direction were never captured (mirror port loss, capture started late).
    case gap(bytes: Int, frame: Int, time: Timestamp)
}

/// Reassembles one direction of a TCP connection: sequence wrap-around, out-of-order segments
/// (buffered, bounded), retransmissions and overlaps (first copy wins, like most stacks), gaps
/// declared when the hole can no longer be filled. In-order data goes straight through without copy.
public struct TCPReassembler: Sendable {
    @usableFromInline struct Pending: Sendable {
        var sequence: UInt32
        var bytes: [UInt8]
        var frame: Int
        var time: Timestamp
    }

    public private(set) var nextSequence: UInt32?
    /// True when the direction's first byte was not preceded by a SYN (capture began mid-stream).
    public private(set) var startedWithoutSYN = false
    public private(set) var sawSYN = false
    public private(set) var sawFIN = false
    public private(set) var deliveredBytes = 0
    public private(set) var gapBytes = 0
    public private(set) var gapCount = 0
    public private(set) var retransmittedSegments = 0
    public private(set) var outOfOrderSegments = 0
    public private(set) var limitHits = 0
    @usableFromInline var pending: [Pending] = []
    var pendingBytes = 0
    /// When the peer first acknowledged past the current hole (see `peerAcknowledged`).
    var holeAcknowledged: (frame: Int, time: Timestamp)?
    let limits: ReassemblyLimits

    public init(limits: ReassemblyLimits = .default) { self.limits = limits }

    @inlinable public var hasBufferedData: Bool { !pending.isEmpty }

    @inline(__always)
    public static func distance(_ from: UInt32, _ to: UInt32) -> Int { Int(Int32(bitPattern: to &- from)) }

    /// Feeds one segment of this direction.
    public mutating func segment(sequence: UInt32, flags: TCPFlags, payload: UnsafeRawBufferPointer,
                                 frame: Int, time: Timestamp, sink: (StreamEvent) -> Void) {
        var seq = sequence
        if flags.contains(.syn) {
            sawSYN = true
            if nextSequence == nil { nextSequence = sequence &+ 1 }
            seq = sequence &+ 1
        }
        if flags.contains(.fin) { sawFIN = true }
        guard !payload.isEmpty else { return }
        guard let expected = nextSequence else {
            // First bytes of a direction whose SYN we never saw: start here.
            startedWithoutSYN = true
            nextSequence = seq &+ UInt32(truncatingIfNeeded: payload.count)
            deliveredBytes += payload.count
            sink(.data(payload, frame: frame, time: time))
            return
        }
        let d = Self.distance(expected, seq)
        if d == 0 {
            nextSequence = seq &+ UInt32(truncatingIfNeeded: payload.count)
            deliveredBytes += payload.count
            sink(.data(payload, frame: frame, time: time))
            drain(completingFrame: frame, completingTime: time, sink: sink)
        } else if d < 0 {
            // Retransmission, possibly carrying some new bytes past what we have.
            let end = d + payload.count
            if end <= 0 { retransmittedSegments += 1; return }
            let fresh = UnsafeRawBufferPointer(rebasing: payload[(payload.count - end)...])
            nextSequence = expected &+ UInt32(truncatingIfNeeded: end)
            deliveredBytes += end
            sink(.data(fresh, frame: frame, time: time))
            drain(completingFrame: frame, completingTime: time, sink: sink)
        } else {
            outOfOrderSegments += 1
            insertPending(Pending(sequence: seq, bytes: Array(payload), frame: frame, time: time))
            if pendingBytes > limits.maxBufferedBytes || pending.count > limits.maxBufferedSegments {
                limitHits += 1
                flushFirstHole(frame: frame, time: time, sink: sink)
            }
        }
    }

    /// The other direction acknowledged up to `ack`. When that is past the start of data we hold
    /// out of order, the peer received the bytes of the hole: the capture lost them. Declare the gap.
    ///
    /// A mirror port may deliver the two directions slightly out of order, so the ACK can be captured
    /// before the data it acknowledges: the ACK only arms the decision, and the gap is declared when the
    /// hole is still open 16 frames or half a second (capture time) later.
    public mutating func peerAcknowledged(_ ack: UInt32, frame: Int, time: Timestamp, sink: (StreamEvent) -> Void) {
        guard let expected = nextSequence, let first = pending.first else { return }
        guard Self.distance(expected, ack) > 0 && Self.distance(first.sequence, ack) >= 0 else { return }
        if let armed = holeAcknowledged {
            if frame - armed.frame >= 16 || time.difference(from: armed.time) >= 0.5 {
                holeAcknowledged = nil
                flushFirstHole(frame: frame, time: time, sink: sink)
            }
        } else {
            holeAcknowledged = (frame, time)
        }
    }

    /// Connection over (FIN/RST, eviction or end of capture): whatever is still held is delivered,
    /// each hole before it stated as a gap.
    public mutating func finish(frame: Int, time: Timestamp, sink: (StreamEvent) -> Void) {
        while !pending.isEmpty { flushFirstHole(frame: frame, time: time, sink: sink) }
    }

    mutating func insertPending(_ p: Pending) {
        // Keep sorted by distance from nextSequence; duplicates of the same start keep the first copy.
        guard let expected = nextSequence else { return }
        let key = Self.distance(expected, p.sequence)
        var i = pending.count
        while i > 0 && Self.distance(expected, pending[i - 1].sequence) > key { i -= 1 }
        if i > 0 && pending[i - 1].sequence == p.sequence && pending[i - 1].bytes.count >= p.bytes.count {
            retransmittedSegments += 1
            return
        }
        pending.insert(p, at: i)
        pendingBytes += p.bytes.count
    }

    /// Delivers held segments that are now in order. `completingFrame`/`completingTime`: the frame
    /// that filled the hole; held data is attributed to it, as Wireshark shows reassembled messages
    /// at the frame that completed them. Nil when a gap was declared (the data keeps its own frame).
    mutating func drain(completingFrame: Int? = nil, completingTime: Timestamp? = nil, sink: (StreamEvent) -> Void) {
        while let first = pending.first, let expected = nextSequence {
            let d = Self.distance(expected, first.sequence)
            if d > 0 { return }
            holeAcknowledged = nil
            pending.removeFirst()
            pendingBytes -= first.bytes.count
            let end = d + first.bytes.count
            if end <= 0 { retransmittedSegments += 1; continue }
            nextSequence = expected &+ UInt32(truncatingIfNeeded: end)
            deliveredBytes += end
            first.bytes.withUnsafeBytes { raw in
                sink(.data(UnsafeRawBufferPointer(rebasing: raw[(first.bytes.count - end)...]),
                           frame: completingFrame ?? first.frame, time: completingTime ?? first.time))
            }
        }
    }

    mutating func flushFirstHole(frame: Int, time: Timestamp, sink: (StreamEvent) -> Void) {
        guard let first = pending.first, let expected = nextSequence else { return }
        let d = Self.distance(expected, first.sequence)
        if d > 0 {
            gapBytes += d
            gapCount += 1
            sink(.gap(bytes: d, frame: first.frame, time: first.time))
            nextSequence = first.sequence
        }
        drain(sink: sink)
    }
}

extension TCPReassembler {
    /// The segment just delivered in order was cut short by the snaplen: its last `bytes` bytes
    /// were on the wire but not in the capture. State them as a gap right away and move past them.
    public mutating func declareMissing(bytes: Int, frame: Int, time: Timestamp, sink: (StreamEvent) -> Void) {
        guard bytes > 0, let expected = nextSequence else { return }
        gapBytes += bytes
        gapCount += 1
        sink(.gap(bytes: bytes, frame: frame, time: time))
        nextSequence = expected &+ UInt32(truncatingIfNeeded: bytes)
        // Anything held out of order that the skipped range covered is now in the past.
        drain(sink: sink)
    }
}

extension TCPReassembler {
    /// The next in-order segment starts at `sequence` and nothing is held out of order: its bytes
    /// may be taken by `advanceInOrder` without the event path (the tracker's bulk-data fast path).
    @inlinable @inline(__always)
    public func isNextInOrder(_ sequence: UInt32) -> Bool {
        pending.isEmpty && nextSequence == sequence
    }

    /// Takes `count` in-order bytes that the caller consumed itself (see `isNextInOrder`): exactly
    /// what `segment` does for such a segment, without handing the bytes to a sink.
    @inline(__always)
    public mutating func advanceInOrder(by count: Int) {
        guard let expected = nextSequence else { return }
        nextSequence = expected &+ UInt32(truncatingIfNeeded: count)
        deliveredBytes += count
    }
}
