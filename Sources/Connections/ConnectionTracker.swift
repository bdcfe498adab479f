import WireCore
import Packets
import TLSWire

/// Limits on every table and buffer, so memory depends on open connections, not file size.
public struct TrackerLimits: Sendable {
    /// Connections tracked at once; past it the least recently active is finished early (and says so:
    /// anomaly connection_limit). An open connection costs about 4 KB (SYN only) to 5 KB (after a
    /// ClientHello) before any buffered data: 50,000 keep the table near 250 MB (100,000 measured 400-500 MB).
    public var maxConnections = 50_000
    /// A connection silent this long (capture time) is finished.
    public var idleTimeout: Double = 300
    /// After RST or FIN both ways, late ACKs are absorbed this long before the connection is reported.
    public var closeLinger: Double = 2
    /// Finished flows are remembered this long so late segments do not look like new connections.
    public var tombstoneTTL: Double = 120
    public var maxTranscriptEntries = 256
    public var maxRecordSizes = 64
    public var maxSignals = 8
    public var reassembly = ReassemblyLimits.default
    public var tlsStream = TLSStreamLimits.default
    /// TLS 1.3 secrets (`--keylog`): connections with secrets here have their handshake decrypted.
    /// Nil (the default) keeps the keyless path: protected records are skipped by count.
    public var keySource: (any TLS13KeySource)?
    /// In-order segments inside a skipped record's body take the bulk-data fast path (the same outcome
    /// as the event path; tests turn it off to compare). Never taken with a key log.
    public var bulkDataFastPath = true
    public init() {}
}

/// Counters for the input as a whole.
public struct TrackerStats: Sendable, Hashable {
    public var tcpSegments = 0
    public var connections = 0
    public var strayTCPSegments = 0
    public var connectionsFinishedByLimit = 0
    public var connectionsFinishedByIdle = 0
    /// Segments that took the bulk-data fast path (see `TrackerLimits.bulkDataFastPath`).
    public var bulkFastPathSegments = 0
    public init() {}
}

/// Follows every TCP connection of one input: reassembles both directions, decodes TLS records,
/// collects the transcript, and hands each finished connection, as a value, to `emit`.
public final class ConnectionTracker {
    public let input: Int
    public let limits: TrackerLimits
    public private(set) var stats = TrackerStats()
    /// Where finished connections go (summarised there, or by the caller's own thread).
    private let emitFinished: (FinishedFlow) -> Void
    /// The open connections, by their endpoints: looked up for every segment.
    private let table = FlowTable<FlowState>()
    /// The connections finished in the last `tombstoneTTL` seconds (tombstones), by their endpoints: looked
    /// up only for a segment of no open connection. Why apart: the 1 GB bench keeps ~20,000 tombstones
    /// beside a few hundred open connections; in one table they made it megabytes, so that nearly every
    /// segment's lookup missed the caches and the address translation buffer.
    private let tombstones = FlowTable<FlowState>()
    private var nextID = 1
    private var events: [TLSEvent] = []
    private var lastSweep: Double = 0
    private var segmentsSinceSweep = 0
    /// Flows that closed and wait out `closeLinger` (set when they close): a sweep looks at these, not at
    /// every open connection.
    private var closing: [FlowState] = []
    /// `closing` is in order of close time (each flow's `closedAt` is set once, as it is appended, and capture
    /// time nearly always runs forward): then the flows a sweep finishes are at its front. Cleared when a
    /// flow closes earlier than the last one appended; set again when the list empties.
    private var closingInOrder = true
    /// Tests turn this off to compare the front-only sweep of an in-order `closing` with the full walk.
    var sweepsClosingFrontOnly = true
    /// When idle connections and old tombstones were last looked for.
    private var lastFullScan = -Double.infinity
    /// Every flow of both tables by the time it may next be idle (open) or forgotten (tombstone): a sweep
    /// takes the due ones from the front instead of looking at every entry.
    private var expiry = ExpiryQueue<FlowState>()
    private var fragmentNotes = 0
    /// `limits.bulkDataFastPath` without a key log, read once (reading `limits` per segment copies it).
    private var bulkFastPath = false
    /// `limits.keySource != nil`, asked per delivered segment: reading it from `limits` copied the whole
    /// struct (it holds an existential) each time.
    private let hasKeySource: Bool

    /// Emits each finished connection summarised, on the calling thread.
    public convenience init(input: Int = 0, limits: TrackerLimits = TrackerLimits(), emit: @escaping (Connection) -> Void) {
        self.init(input: input, limits: limits, emitFinished: { emit($0.summarize()) })
    }

    /// Hands each finished connection over unsummarised, so the summary (and freeing the flow's buffers)
    /// can run on another thread: the tracker keeps no reference to a flow it has finished.
    public init(input: Int = 0, limits: TrackerLimits = TrackerLimits(), emitFinished: @escaping (FinishedFlow) -> Void) {
        self.input = input
        self.limits = limits
        self.emitFinished = emitFinished
        self.hasKeySource = limits.keySource != nil
        events.reserveCapacity(64)
        bulkFastPath = limits.bulkDataFastPath && limits.keySource == nil
    }

    /// Number of connections currently held in memory (open, lingering or remembered).
    public var trackedFlows: Int { table.count + tombstones.count }

    /// Live capture: called once for a connection whose TLS handshake has completed while the
    /// connection stays open (checked on each sweep), so a long-lived session is reported when its
    /// handshake ends, not hours later when it closes. The connection is still emitted when it ends.
    public var onHandshakeComplete: ((Connection) -> Void)?

    /// Sweeps on the caller's clock (a live capture on an idle interface gets no packets to drive
    /// the sweep): connections whose close linger or idle time has passed by `now` are finished.
    public func tick(now: Timestamp) { sweep(now: now) }

    public func process(_ seg: TCPSegment, frame: Int, time: Timestamp) {
        var seg = seg
        processSegment(&seg, frame: frame, time: time)
    }

    /// The packet loop's entry: decodes the frame with `PacketDecoder.decodeTCP` and processes the segment,
    /// as `process` would. False, with nothing done, for any frame `decodeTCP` leaves to
    /// `PacketDecoder.decode` (the caller decodes it and calls `process` or counts what it is).
    ///
    /// Why here: decoding into a local of this function and processing it inlined (nearly every frame is a
    /// segment of a known flow) spares the copy of the segment and a call per frame.
    public func processFrame(linkType: Int32, bytes: UnsafeRawBufferPointer, originalLength: Int,
                             frame: Int, time: Timestamp) -> Bool {
        var seg = TCPSegment()
        guard PacketDecoder.decodeTCP(linkType: linkType, bytes: bytes, originalLength: originalLength, into: &seg) else {
            return false
        }
        processSegment(&seg, frame: frame, time: time)
        return true
    }

    /// `seg` is inout only so that the caller's local is read in place (taken as a value, it was copied
    /// first); it is not changed.
    @inline(__always)
    private func processSegment(_ seg: inout TCPSegment, frame: Int, time: Timestamp) {
        stats.tcpSegments += 1
        let flags = seg.flags
        let isOpeningSYN = flags.contains(.syn) && !flags.contains(.ack)
        // The table's entry and its flow are used borrowed (the table holds both while the segment is
        // handled: nothing below removes this connection before the sweep), so no retain and release
        // per segment. The table says which way round it matched: that is the segment's direction,
        // as the table holds each connection in the order of its flow's endpoints.
        if let found = table.lookup(seg.source, seg.destination) {
            found.value._withUnsafeGuaranteedRef { s in
                // Every entry of `table` is open: a flow's data is taken only as it moves to `tombstones`.
                guard let data = s.dataRef else { assertionFailure("an entry of the open table without data"); return }
                seen(s, at: time.timeInterval)
                data._withUnsafeGuaranteedRef { d in
                    let dir = found.reversed ? 1 : 0
                    if flags.rawValue & (TCPFlags.syn.rawValue | TCPFlags.fin.rawValue | TCPFlags.rst.rawValue) == 0
                        && seg.missingPayload == 0 {
                        // Data and ACKs (nearly every frame): no SYN, FIN or RST, so nothing here closes the flow.
                        handlePlain(seg, dir: dir, in: d, frame: frame, time: time)
                    } else {
                        handle(seg, dir: dir, in: d, frame: frame, time: time)
                        if d.closedAt != nil && s.closedAt == nil {
                            s.closedAt = time.timeInterval
                            appendClosing(s)
                        }
                    }
                }
            }
            // After the borrow ends: a sweep may finish and forget flows.
            countForSweep(time)
            return
        }
        if let found = tombstones.lookup(seg.source, seg.destination) {
            let s = found.value.takeUnretainedValue()
            // A finished flow: only a new SYN starts a new connection on the same addresses and ports.
            guard isOpeningSYN else {
                seen(s, at: time.timeInterval)
                stats.strayTCPSegments += 1
                return
            }
            expiry.remove(s)
            tombstones.removeValue(forKey: s.key)   // replaced by the new connection below
        }
        startFlow(seg, frame: frame, time: time)
    }

    /// A segment of no connection in the table (or a SYN replacing a finished one): a new connection, or a stray.
    @inline(never)
    private func startFlow(_ seg: TCPSegment, frame: Int, time: Timestamp) {
        let flags = seg.flags
        if seg.payload.isEmpty && seg.missingPayload == 0 && !flags.contains(.syn) {
            // ACKs, FINs or RSTs of a connection we never saw carry nothing to analyse.
            stats.strayTCPSegments += 1
            return
        }
        let d = FlowData(id: nextID, input: input, a: seg.source, b: seg.destination, frame: frame, time: time, limits: limits)
        let s = FlowState(data: d, key: FlowKey(seg.source, seg.destination))
        nextID += 1
        stats.connections += 1
        // Stored as (source, destination): the flow's direction 0 first.
        table.set(s, seg.source, seg.destination)
        if table.count + tombstones.count > limits.maxConnections {
            evictForLimit(now: time, protecting: s.key)
        }
        s.lastSeen = time.timeInterval
        schedule(s)
        handle(seg, dir: 0, in: d, frame: frame, time: time)
        if d.closedAt != nil && s.closedAt == nil {
            s.closedAt = time.timeInterval
            appendClosing(s)
        }
        countForSweep(time)
    }

    /// A segment of the flow at capture time `t`. The queue's due time stays a lower bound of the real
    /// one as long as the flow's last-seen time does not go below the one it was computed from (capture
    /// times can go back): then it is moved.
    @inline(__always)
    private func seen(_ s: FlowState, at t: Double) {
        s.lastSeen = t
        if t < s.expiryBase { schedule(s) }
    }

    /// Queues the flow by its last-seen time and its state: idle timeout while open, TTL as a tombstone.
    private func schedule(_ s: FlowState) {
        s.expiryBase = s.lastSeen
        expiry.schedule(s, due: s.lastSeen + (s.dataRef != nil ? limits.idleTimeout : limits.tombstoneTTL))
    }

    @inline(__always)
    private func countForSweep(_ time: Timestamp) {
        segmentsSinceSweep += 1
        if segmentsSinceSweep >= 4096 || time.timeInterval - lastSweep >= 1 {
            sweep(now: time)
        }
    }

    /// An IP fragment between these addresses was seen. Fragments are not reassembled (they are rare
    /// for TCP); the connections between the same hosts get an anomaly so a gap is explained, not guessed.
    public func noteFragment(source: IPAddress, destination: IPAddress, frame: Int) {
        fragmentNotes += 1
        guard fragmentNotes <= 64 else { return }
        table.forEach { key, s in
            guard let d = s.data else { return }
            let pair = (key.a.ip == source && key.b.ip == destination) || (key.a.ip == destination && key.b.ip == source)
            if pair && d.anomalies.count < 64 {
                d.anomalies.append(Anomaly(.ipFragment, frame: frame,
                    "IP fragment from \(source) to \(destination) that could not be reassembled (incomplete, or IPv6): the bytes it carried show as a gap"))
            }
        }
    }

    /// End of input: every connection still open is finished and reported.
    public func finishAll(reason: String = "end of capture") {
        var states: [FlowData] = []
        table.forEach { _, s in if let d = s.data { states.append(d) } }
        states.sort { $0.id < $1.id }
        for d in states { finalize(d, reason: reason) }
        table.removeAll()
        tombstones.removeAll()
        expiry.removeAll()
        closing.removeAll()
        closingInOrder = true
    }

    // MARK: - Per segment

    /// `dir` is the segment's direction in the flow: 0 when it comes from `d.endpoints[0]`.
    private func handle(_ seg: TCPSegment, dir: Int, in d: FlowData, frame: Int, time: Timestamp) {
        d.lastFrame = frame
        d.lastTime = time
        if !d.sawDirection[dir] { d.sawDirection[dir] = true }
        // The segment's own fields are asked first: most frames carry no VLAN tag, and once a direction
        // has its MAC the flow's storage need not be read.
        if let m = seg.sourceMAC, d.macs[dir] == nil { d.macs[dir] = m }
        if seg.hasVLANIDs && d.vlanIDs.isEmpty { noteVLANs(seg, in: d) }
        let flags = seg.flags
        if flags.contains(.syn) {
            if flags.contains(.ack) {
                if d.synAck == nil { d.synAck = RawSignal(frame: frame, time: time, dir: dir) }
                d.decideRole(clientDir: 1 - dir, basis: .synAck)
            } else {
                d.synCount += 1
                if d.syn == nil { d.syn = RawSignal(frame: frame, time: time, dir: dir) }
                d.decideRole(clientDir: dir, basis: .syn)
            }
            d.entry(frame, time, dir, flags.contains(.ack) ? .synAck : .syn)
        }
        // In place: copying the whole DirectionStats in and out cost more than the two counters.
        d.dirStats[dir].segments += 1
        d.dirStats[dir].payloadBytes += seg.payload.count + seg.missingPayload
        if seg.missingPayload > 0 {
            var stats = d.dirStats[dir]
            stats.truncatedSegments += 1
            stats.truncatedBytes += seg.missingPayload
            if stats.firstTruncatedFrame == nil { stats.firstTruncatedFrame = frame }
            d.dirStats[dir] = stats
        }

        let count = seg.payload.count
        let skipped = count > 0 && seg.missingPayload == 0 && !flags.contains(.syn) && !flags.contains(.fin)
            && skippedInsideRecord(seg, count: count, dir: dir, in: d)
        if !skipped && (count > 0 || flags.contains(.syn) || flags.contains(.fin)) {
            // Payload into this direction's reassembler, then into its record stream.
            let before = seg.missingPayload > 0 ? d.reassembler[dir].nextSequence : nil
            reassemble(seg, dir: dir, in: d, frame: frame, time: time)
            if seg.missingPayload > 0, let b = before,
               d.reassembler[dir].nextSequence == b &+ UInt32(truncatingIfNeeded: seg.payload.count) &+ (flags.contains(.syn) ? 1 : 0),
               TCPReassembler.distance(b, seg.sequence) <= 0 {
                // The snaplen cut this segment: its tail is known to be missing, not merely late.
                d.reassembler[dir].declareMissing(bytes: seg.missingPayload, frame: frame, time: time) { ev in
                    self.deliver(ev, to: d, dir: dir)
                }
            }
        }
        // Only a direction holding out-of-order data can learn anything from the peer's ACK; asking
        // first skips a mutating call (and its exclusivity check) on nearly every segment.
        if flags.contains(.ack) && d.reassembler[1 - dir].hasBufferedData {
            peerAcknowledged(seg.acknowledgement, dir: 1 - dir, in: d, frame: frame, time: time)
        }
        if flags.contains(.rst) {
            if d.rsts.count < limits.maxSignals { d.rsts.append(TCPSignal(frame: frame, time: time, sender: FlowData.side(dir))) }
            d.entry(frame, time, dir, .rst)
            d.closedAt = time
        }
        if flags.contains(.fin) {
            if !d.finDirs[dir] {
                d.finDirs[dir] = true
                // Room for both directions' FIN at the first (not grown from 1 to 2).
                if d.fins.isEmpty { d.fins.reserveCapacity(2) }
                if d.fins.count < limits.maxSignals { d.fins.append(TCPSignal(frame: frame, time: time, sender: FlowData.side(dir))) }
                d.entry(frame, time, dir, .fin)
            }
            if d.finDirs[0] && d.finDirs[1] { d.closedAt = time }
        }
    }

    /// `handle` for a segment of a known flow without SYN, FIN or RST and with every payload byte captured
    /// (nearly every frame: bulk data and ACKs), inlined into `process`: the same changes in the same
    /// order, without the branches and calls for what such a segment cannot carry. The rarer parts (VLAN
    /// tags, data that is not bulk, an ACK for a direction holding a hole) are calls.
    @inline(__always)
    private func handlePlain(_ seg: TCPSegment, dir: Int, in d: FlowData, frame: Int, time: Timestamp) {
        d.lastFrame = frame
        d.lastTime = time
        if !d.sawDirection[dir] { d.sawDirection[dir] = true }
        if let m = seg.sourceMAC, d.macs[dir] == nil { d.macs[dir] = m }
        if seg.hasVLANIDs && d.vlanIDs.isEmpty { noteVLANs(seg, in: d) }
        let count = seg.payload.count
        d.dirStats[dir].segments += 1
        d.dirStats[dir].payloadBytes += count
        if count > 0 && !skippedInsideRecord(seg, count: count, dir: dir, in: d) {
            reassemble(seg, dir: dir, in: d, frame: frame, time: time)
        }
        if seg.flags.contains(.ack) && d.reassembler[1 - dir].hasBufferedData {
            peerAcknowledged(seg.acknowledgement, dir: 1 - dir, in: d, frame: frame, time: time)
        }
    }

    /// Bulk data fast path: an in-order segment of `count` captured bytes (no SYN or FIN), nothing held out
    /// of order, whose bytes all fall inside the body of a record the stream skips (application data), takes
    /// two counters, not the event path through the reassembler and the record stream; the outcome is the
    /// same either way. False (and nothing changed) when the segment must take the event path.
    @inline(__always)
    private func skippedInsideRecord(_ seg: TCPSegment, count: Int, dir: Int, in d: FlowData) -> Bool {
        guard bulkFastPath && d.reassembler[dir].isNextInOrder(seg.sequence) && d.streams[dir].canSkipInsideRecord(count) else {
            return false
        }
        d.reassembler[dir].advanceInOrder(by: count)
        d.streams[dir].skipInsideRecord(count)
        stats.bulkFastPathSegments += 1
        return true
    }

    /// The VLAN IDs of the flow's first tagged segment.
    @inline(never)
    private func noteVLANs(_ seg: TCPSegment, in d: FlowData) {
        let v = seg.vlanIDs
        if let o = v.outer { d.vlanIDs.append(o) }
        if let i = v.inner { d.vlanIDs.append(i) }
    }

    /// A segment's payload into its direction's reassembler, then the record stream.
    @inline(never)
    private func reassemble(_ seg: TCPSegment, dir: Int, in d: FlowData, frame: Int, time: Timestamp) {
        d.reassembler[dir].segment(sequence: seg.sequence, flags: seg.flags, payload: seg.payload, frame: frame, time: time) { ev in
            self.deliver(ev, to: d, dir: dir)
        }
    }

    /// The peer acknowledged data of direction `dir`, which holds bytes out of order.
    @inline(never)
    private func peerAcknowledged(_ ack: UInt32, dir: Int, in d: FlowData, frame: Int, time: Timestamp) {
        d.reassembler[dir].peerAcknowledged(ack, frame: frame, time: time) { ev in
            self.deliver(ev, to: d, dir: dir)
        }
    }

    /// A closed flow whose linger is over: its data goes to `finished`, and it stays as a tombstone.
    @inline(__always)
    private func retire(_ s: FlowState, at t: Double, into finished: inout [FlowData]) {
        finished.append(s.data!)
        s.data = nil
        s.lastSeen = t
        bury(s)
        schedule(s)   // now a tombstone
    }

    /// `s`, whose data was just taken, moves from the open connections to the tombstones.
    private func bury(_ s: FlowState) {
        table.removeValue(forKey: s.key)
        tombstones.set(s, s.key.a, s.key.b)
    }

    /// `s` closed (its `closedAt` is set): it is finished once `closeLinger` has passed.
    private func appendClosing(_ s: FlowState) {
        if let last = closing.last?.closedAt, let c = s.closedAt, c < last { closingInOrder = false }
        closing.append(s)
    }

    /// Applies the events the stream left in the list, in order, moving each out (no copy of the event and
    /// of the hello it carries; the list is left empty, its room kept). Most calls find one event or none.
    @inline(__always)
    private func applyEvents(to d: FlowData, dir: Int) {
        if events.count > 1 {
            // Reversed by moving the events (`reverse()` copied each one it swapped, then destroyed the copy).
            events.withUnsafeMutableBufferPointer { b in
                guard var lo = b.baseAddress else { return }
                var hi = lo + (b.count - 1)
                while lo < hi {
                    let t = lo.move()
                    lo.moveInitialize(from: hi, count: 1)
                    hi.initialize(to: t)
                    lo += 1
                    hi -= 1
                }
            }
        }
        while let e = events.popLast() { d.apply(e, dir: dir) }
    }

    private func deliver(_ ev: StreamEvent, to d: FlowData, dir: Int) {
        switch ev {
        case .data(let bytes, let frame, let time):
            d.streams[dir].feed(bytes, frame: frame, time: time, into: &events)
            applyEvents(to: d, dir: dir)
            // Only a key log puts a stream in wait for keys; without one the check is skipped per segment.
            if hasKeySource { d.retryAwaitingKeys(dir: 1 - dir) }
        case .gap(let bytes, let frame, let time):
            // Only the first 32 are reported (gap counts and bytes are the reassembler's); thousands of holes must not grow this.
            if d.gaps.count < 32 { d.gaps.append(TCPGap(side: FlowData.side(dir), bytes: bytes, frame: frame)) }
            d.entry(frame, time, dir, .gap(bytes: bytes))
            d.streams[dir].gap(bytes: bytes, frame: frame, time: time, into: &events)
            applyEvents(to: d, dir: dir)
        }
    }

    // MARK: - Finishing

    private func finalize(_ d: FlowData, reason: String) {
        for dir in 0..<2 {
            d.reassembler[dir].finish(frame: d.lastFrame, time: d.lastTime) { ev in self.deliver(ev, to: d, dir: dir) }
            d.streams[dir].finish(frame: d.lastFrame, time: d.lastTime, into: &events)
            applyEvents(to: d, dir: dir)
        }
        // A flow that never carried a SYN or a byte is noise (late ACKs of a connection before the capture).
        if d.syn == nil && d.synAck == nil && d.dirStats[0].payloadBytes == 0 && d.dirStats[1].payloadBytes == 0 { return }
        emitFinished(FinishedFlow(data: d, endReason: reason))
    }

    /// Finishes connections that closed `closeLinger` ago (late retransmissions and alerts still count) and,
    /// at most once a second of capture time, those idle for `idleTimeout`; forgets old tombstones.
    /// Connections finished in one sweep are emitted in the order they began.
    private func sweep(now: Timestamp) {
        segmentsSinceSweep = 0
        let t = now.timeInterval
        lastSweep = t
        var finished: [FlowData] = []
        if !closing.isEmpty {
            let linger = limits.closeLinger
            if closingInOrder && sweepsClosingFrontOnly {
                // Only the front can be due: past the first open flow not yet due, every open flow closed
                // later. The same flows are finished in the same order as by the walk below; flows finished
                // another way are dropped from the front here and from further back by later sweeps.
                // (The walk over every closing flow cost a retain and release of each per sweep.)
                var taken = 0
                while taken < closing.count {
                    let s = closing[taken]
                    if s.dataRef != nil {
                        guard let c = s.closedAt, t - c >= linger else { break }
                        retire(s, at: t, into: &finished)
                    }
                    taken += 1
                }
                closing.removeFirst(taken)
            } else {
                // Looked at by `dataRef`: no retain and release of the flow per lingering flow and sweep.
                closing.removeAll { s in
                    guard s.dataRef != nil else { return true }   // finished another way (idle, table limit)
                    guard let c = s.closedAt, t - c >= linger else { return false }
                    retire(s, at: t, into: &finished)
                    return true
                }
            }
            if closing.isEmpty { closingInOrder = true }
        }
        // Live reports handshakes of open connections as they complete: it looks at every open flow each time.
        var completed: [Connection] = []
        if onHandshakeComplete != nil || t - lastFullScan >= 1 {
            lastFullScan = t
            expire(now: t, into: &finished)
            if onHandshakeComplete != nil {
                table.forEach { _, s in
                    guard let d = s.data, s.closedAt == nil, !s.handshakeReported, s.handshakeChecks < 16,
                          d.serverHello != nil, d.finished[0] != nil || d.appDataRecords[0] > 0,
                          d.finished[1] != nil || d.appDataRecords[1] > 0 else { return }
                    // TLS 1.3 hides the end of the handshake: wait for data after the client's flight
                    // (or a quiet second) so a server rejecting the client certificate is not missed.
                    s.handshakeChecks += 1
                    let c = ConnectionSummarizer.summarize(d, endReason: "handshake complete; connection still open")
                    if c.established && (!c.tls.isTLS13 || c.tls13?.dataAfterClientFlight == true || t - d.lastTime.timeInterval >= 1) {
                        s.handshakeReported = true
                        completed.append(c)
                    }
                }
            }
        }
        finished.sort { $0.id < $1.id }
        for d in finished { finalize(d, reason: d.endReasonOverride ?? "closed") }
        if let notify = onHandshakeComplete {
            for c in completed.sorted(by: { $0.id < $1.id }) { notify(c) }
        }
    }

    /// Finishes the open flows idle for `idleTimeout` and forgets the tombstones older than `tombstoneTTL`,
    /// exactly those a look at every entry of the table would find: the queue's due times are lower
    /// bounds, so each due flow is checked against its real last-seen time and queued again when it is
    /// not due after all. A flow finished here becomes a tombstone that the next look may forget.
    private func expire(now t: Double, into finished: inout [FlowData]) {
        var again: [FlowState] = []
        // A little early: the due time is rounded, the test below is the exact one.
        while let s = expiry.first, s.expiryDue <= t + 16 * Swift.max(abs(t), abs(s.expiryDue)).ulp {
            _ = expiry.removeFirst()
            if let d = s.data {
                if t - s.lastSeen >= limits.idleTimeout {
                    d.endReasonOverride = "idle for \(Int(limits.idleTimeout)) s"
                    stats.connectionsFinishedByIdle += 1
                    finished.append(d); s.data = nil
                    bury(s)
                }
                again.append(s)
            } else if t - s.lastSeen >= limits.tombstoneTTL {
                tombstones.removeValue(forKey: s.key)
            } else {
                again.append(s)
            }
        }
        for s in again { schedule(s) }
    }

    private func evictForLimit(now: Timestamp, protecting: FlowKey) {
        // Forget remembered flows first; then finish the least recently active open connections.
        tombstones.forEach { _, s in expiry.remove(s) }
        tombstones.removeAll()
        guard table.count > limits.maxConnections else { return }
        let excess = table.count - limits.maxConnections + limits.maxConnections / 10
        for (k, s) in victims(count: excess, protecting: protecting) {
            if let d = s.data {
                d.anomalies.append(Anomaly(.connectionLimit, frame: d.lastFrame,
                    "finished early: more than \(limits.maxConnections) connections were open at once; later packets of this connection are not analysed"))
                stats.connectionsFinishedByLimit += 1
                finalize(d, reason: "connection table limit")
                s.data = nil
            }
            expiry.remove(s)
            table.removeValue(forKey: k)
        }
    }

    /// The `count` least recently active entries, in order of last activity (ties in table order): what a
    /// stable sort of the whole table by last activity would put first. A SYN flood evicts every 5,000 new
    /// connections; sorting all 50,000 entries (class references, compared through them) each time made a
    /// 1 M-SYN capture take over a minute. Here only the plain times are sorted, to find the cut-off, and
    /// then only the entries taken.
    private func victims(count: Int, protecting: FlowKey) -> [(FlowKey, FlowState)] {
        var times: [Double] = []
        times.reserveCapacity(table.count)
        table.forEach { k, s in if k != protecting { times.append(s.lastSeen) } }
        let take = min(count, times.count)
        guard take > 0 else { return [] }
        times.sort()
        let cutoff = times[take - 1]
        // Entries at exactly the cut-off are taken in table order until `take` is reached.
        var below = take - 1
        while below > 0 && times[below - 1] == cutoff { below -= 1 }
        var atCutoff = take - below
        var out: [(FlowKey, FlowState)] = []
        out.reserveCapacity(take)
        table.forEach { k, s in
            guard k != protecting else { return }
            if s.lastSeen < cutoff {
                out.append((k, s))
            } else if s.lastSeen == cutoff && atCutoff > 0 {
                out.append((k, s))
                atCutoff -= 1
            }
        }
        // Stable, as the whole-table sort was: equal times keep table order.
        out.sort { $0.1.lastSeen < $1.1.lastSeen }
        return out
    }
}

/// A connection the tracker has finished with (its streams flushed): whoever holds it is its only user and
/// may summarise it on any thread.
public struct FinishedFlow: @unchecked Sendable {   // the tracker dropped every reference to `data`
    let data: FlowData
    let endReason: String

    /// Whether any TLS was seen on it (what the summary's `tls.sawTLS` will say), without summarising.
    public var sawTLS: Bool { data.sawAnyTLS }

    /// The connection's summary. Once per flow: summarising orders the flow's records in place.
    public func summarize() -> Connection { ConnectionSummarizer.summarize(data, endReason: endReason) }
}

/// A connection's entry: in `table` while open (with its data), in `tombstones` once it has been reported.
final class FlowState: ExpiryQueueMember {
    /// The flow, held retained (one retain, given back when it is replaced or in deinit), so the
    /// per-segment path can borrow it (`_withUnsafeGuaranteedRef`) without a retain and release.
    private(set) var dataRef: Unmanaged<FlowData>?
    var data: FlowData? {
        get { dataRef?.takeUnretainedValue() }
        set {
            let old = dataRef
            dataRef = newValue.map { Unmanaged.passRetained($0) }
            old?.release()
        }
    }
    var lastSeen: Double
    var closedAt: Double?
    /// Live: the completed handshake was reported early, and how often it was looked at.
    var handshakeReported = false
    var handshakeChecks = 0
    /// The flow's endpoints as the table holds them (a tombstone has no data to ask).
    let key: FlowKey
    /// The tracker's `expiry` queue: the due time, the flow's place, and the last-seen time the due time was computed from.
    var expiryDue = 0.0
    var expiryIndex = -1
    var expiryBase = 0.0
    init(data: FlowData, key: FlowKey) {
        self.dataRef = Unmanaged.passRetained(data)
        self.lastSeen = data.startTime.timeInterval
        self.key = key
    }
    deinit { dataRef?.release() }
}

struct RawSignal { var frame: Int; var time: Timestamp; var dir: Int }
struct RawAlert {
    var frame: Int; var time: Timestamp; var dir: Int
    var level: AlertLevel?; var description: AlertDescription?
    var encrypted: Bool; var recordLength: Int
    var decrypted = false
}
