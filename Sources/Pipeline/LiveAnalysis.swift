import WireCore
import Capture
import Packets
import Connections
import X509Inspect
import Diagnosis
import Reports
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Anomaly.Kind {
    /// The capture itself lost packets (kernel buffer or interface) while the connection was open.
    public static let captureDrops = Anomaly.Kind(rawValue: "capture_drops")
}

/// Limits and stop conditions of a live run.
public struct LiveOptions: Sendable {
    /// Stop after this many seconds.
    public var duration: Double?
    /// Stop after this many connections have been reported (one line each).
    public var count: Int?
    /// Report every TCP connection, not only those that spoke TLS or have a finding at warning or above.
    public var allConnections = false
    /// Connections handed to the report renderer. Past it, only failed connections, up to as many
    /// again; the rest are counted in the summary only (memory stays bounded over hours).
    public var reportLimit = 10_000
    /// How often the tracker is swept on the wall clock and the capture file flushed.
    public var tickInterval = 0.25
    /// How often libpcap's drop counters are read (a cheap getsockopt), so drops are known before
    /// the connections they touch are reported.
    public var statsInterval = 0.25
    /// Drop windows remembered to annotate connections (older ones are merged).
    public var maxDropWindows = 256
    public init() {}
}

/// Packets the capture lost while a connection was open.
public struct DropNote: Sendable, Hashable {
    public var kernel: UInt64
    public var interface: UInt64
    public var from: Timestamp
    public var to: Timestamp
    public var total: UInt64 { kernel + interface }

    public var sentence: String {
        var parts: [String] = []
        if kernel > 0 { parts.append("\(kernel) dropped by the kernel: this machine did not keep up") }
        if interface > 0 { parts.append("\(interface) dropped by the interface: the NIC was overrun") }
        return "the capture lost \(total) packet\(total == 1 ? "" : "s") between \(from.rfc3339Seconds) and \(to.rfc3339Seconds) while this connection was open (\(parts.joined(separator: "; "))); a message missing from this connection may have been lost by the capture, not by the network"
    }
}

/// Something to tell the person watching.
public struct LiveEvent {
    public enum Kind: Sendable {
        /// The handshake completed; the connection is still open (it is reported again only if its verdict changes).
        case handshakeCompleted
        /// The connection ended (or the capture stopped while it was open).
        case finished
        /// The connection ended with another verdict than the one reported when its handshake completed.
        case changed
    }
    public var kind: Kind
    public var analyzed: AnalyzedConnection
    public var drops: DropNote?
    /// Worth a line: counts toward `--count`. False for a connection already reported whose verdict
    /// did not change, for connections without TLS or findings, and past the count.
    public var printLine: Bool
}

/// What a live run saw, for the closing summary.
public struct LiveSummary: Sendable {
    public enum StopReason: Sendable, Equatable {
        case interrupted, duration, count
        case failed(String)
    }
    public var stopReason: StopReason = .interrupted
    public var start: Timestamp
    public var end: Timestamp
    public var frames = 0
    public var connections = 0
    public var tlsConnections = 0
    public var lines = 0
    public var outcomes: [String: Int] = [:]
    /// Root-cause rule of each failed connection.
    public var verdicts: [String: Int] = [:]
    public var stats: LiveStats?
    public var connectionsWithDrops = 0
    public var reportOmitted = 0
    public var worstSeverity: Severity?
    public var input: InputResult
}

/// The live pipeline: frames from a `LiveCapture` (optionally saved with a `PcapNGWriter`) take
/// the same path as a file's (`FrameFeed` → `ConnectionTracker` → certificates → rules), with the
/// tracker also swept on the wall clock so connections finish while the interface is quiet, and
/// completed handshakes reported while their connections stay open.
public final class LiveAnalysis {
    public let options: AnalysisOptions
    public let live: LiveOptions
    private let analysis: CaptureAnalysis

    private var summary: LiveSummary
    private var sink: ((LiveEvent) -> Void)?
    private var renderer: ReportRenderer?
    private var reported = 0
    private var explained = 0
    /// Connections reported when their handshake completed: verdict then (removed when they end,
    /// so this is bounded by the tracker's open connections).
    private var early: [Int: (outcome: Outcome, rule: RuleID?, drops: Bool)] = [:]
    private var dropWindows: [DropNote] = []
    private var lastStats = LiveStats()
    private var lastStatsTime: Timestamp

    public init(options: AnalysisOptions, live: LiveOptions = LiveOptions(), cache: CertificateCache = CertificateCache()) {
        self.options = options
        self.live = live
        self.analysis = CaptureAnalysis(options: options, cache: cache)
        let now = Self.now()
        self.lastStatsTime = now
        self.summary = LiveSummary(start: now, end: now, input: InputResult(path: ""))
    }

    /// The wall clock, in the capture's time base (the kernel stamps packets with CLOCK_REALTIME).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }

    /// Captures until `shouldStop()` (checked at least every 100 ms), the duration or the count.
    /// Every event goes to `onEvent` as it happens; every finished connection to `renderer`.
    public func run(capture: LiveCapture, writer: PcapNGWriter?, renderer: ReportRenderer?,
                    shouldStop: () -> Bool, onEvent: @escaping (LiveEvent) -> Void) -> LiveSummary {
        self.sink = onEvent
        self.renderer = renderer
        defer { self.sink = nil; self.renderer = nil }
        let started = Self.now()
        summary.start = started
        lastStatsTime = started
        lastStats = capture.stats() ?? LiveStats()

        let tracker = ConnectionTracker(input: 0, limits: options.limits.followingKeyLog()) { [unowned self] c in self.finished(c) }
        tracker.onHandshakeComplete = { [unowned self] c in self.handshakeCompleted(c) }
        let feed = FrameFeed(tracker: tracker)
        renderer?.begin()

        var pendingDrops: UInt64 = 0
        var lastTick = started
        while true {
            if shouldStop() { summary.stopReason = .interrupted; break }
            let t0 = Self.now()
            if let d = live.duration, t0.difference(from: started) >= d { summary.stopReason = .duration; break }
            if let n = live.count, summary.lines >= n { summary.stopReason = .count; break }
            var timeout: Int32 = 100
            if let d = live.duration { timeout = Int32(max(1, min(100, (d - t0.difference(from: started)) * 1000))) }
            do {
                _ = try capture.poll(timeoutMilliseconds: timeout) { frame in
                    writer?.write(frame, dropsBefore: pendingDrops)
                    pendingDrops = 0
                    feed.process(frame)
                }
            } catch {
                summary.stopReason = .failed(error.description)
                break
            }
            let t = Self.now()
            if t.difference(from: lastStatsTime) >= live.statsInterval { pendingDrops += sampleDrops(capture, at: t) }
            if t.difference(from: lastTick) >= live.tickInterval {
                tracker.tick(now: t)
                writer?.flush()
                lastTick = t
            }
        }
        let end = Self.now()
        _ = sampleDrops(capture, at: end)
        summary.stats = lastStats
        // Through the feed, as for a file: IP fragments still waiting are reported on their connections.
        feed.finish(reason: "the capture stopped while the connection was open")
        summary.end = end
        summary.frames = capture.frames
        writer?.close(stats: summary.stats, start: capture.firstTime ?? started, end: end)

        var input = InputResult(path: writer?.path ?? "live:\(capture.interface)")
        var info = CaptureInputInfo(path: input.path, format: .pcapng, linkTypes: [capture.linkType], frames: capture.frames,
                                    snaplen: capture.snaplen, nanosecondResolution: capture.nanosecondResolution)
        info.firstTime = capture.firstTime
        info.lastTime = capture.lastTime
        if let e = writer?.writeError { info.readProblem = e }
        input.info = info
        input.packets = feed.counters
        input.tracker = tracker.stats
        input.connections = summary.connections
        input.tlsConnections = summary.tlsConnections
        if summary.tlsConnections == 0 && explained == 0 && summary.frames > 0 {
            let f = InputRules.noTLS(counters: feed.counters, connections: summary.connections, frames: summary.frames)
            input.findings.append(f)
            summary.worstSeverity = max(summary.worstSeverity ?? f.severity, f.severity)
        }
        summary.input = input
        renderer?.finish(inputs: [input])
        return summary
    }

    // MARK: - Connections

    private func handshakeCompleted(_ c: Connection) {
        var c = c
        let drops = annotateDrops(&c)
        let ac = analysis.analyze(c)
        early[c.id] = (ac.connection.outcome, ac.rootCause?.rule, drops != nil)
        emit(LiveEvent(kind: .handshakeCompleted, analyzed: ac, drops: drops, printLine: true))
    }

    private func finished(_ c: Connection) {
        var c = c
        let drops = annotateDrops(&c)
        if drops != nil { summary.connectionsWithDrops += 1 }
        let ac = analysis.analyze(c)
        summary.connections += 1
        if c.tls.sawTLS { summary.tlsConnections += 1 }
        summary.outcomes[c.outcome.rawValue, default: 0] += 1
        if c.outcome.isFailure, let r = ac.rootCause { summary.verdicts[r.rule.rawValue, default: 0] += 1 }
        if ac.findings.contains(where: { $0.severity >= .warning }) { explained += 1 }
        if let s = ac.highestSeverity { summary.worstSeverity = max(summary.worstSeverity ?? s, s) }

        if let r = renderer {
            if reported < live.reportLimit || (reported < 2 * live.reportLimit && c.outcome.isFailure) {
                reported += 1
                r.connection(ac)
            } else {
                summary.reportOmitted += 1
            }
        }

        if let before = early.removeValue(forKey: c.id) {
            // Reported again when the verdict changed, or when packets were lost after the first report.
            let changed = before.outcome != c.outcome || before.rule != ac.rootCause?.rule || (drops != nil && !before.drops)
            emit(LiveEvent(kind: changed ? .changed : .finished, analyzed: ac, drops: drops, printLine: changed))
        } else {
            emit(LiveEvent(kind: .finished, analyzed: ac, drops: drops, printLine: worthALine(ac)))
        }
    }

    private func worthALine(_ ac: AnalyzedConnection) -> Bool {
        live.allConnections || ac.connection.tls.sawTLS || ac.findings.contains { $0.severity >= .warning }
    }

    private func emit(_ e: LiveEvent) {
        var e = e
        if e.printLine {
            if let n = live.count, summary.lines >= n { e.printLine = false } else { summary.lines += 1 }
        }
        sink?(e)
    }

    // MARK: - Drops

    /// Reads libpcap's counters; a rise becomes a drop window. Returns the packets lost since the last read.
    private func sampleDrops(_ capture: LiveCapture, at t: Timestamp) -> UInt64 {
        defer { lastStatsTime = t }
        guard let s = capture.stats() else { return 0 }
        let kernel = s.kernelDropped &- lastStats.kernelDropped
        let interface = s.interfaceDropped &- lastStats.interfaceDropped
        lastStats = s
        guard kernel + interface > 0 else { return 0 }
        dropWindows.append(DropNote(kernel: kernel, interface: interface, from: lastStatsTime, to: t))
        if dropWindows.count > live.maxDropWindows {
            // Merge the two oldest: coarser, never forgotten.
            let a = dropWindows.removeFirst()
            dropWindows[0] = DropNote(kernel: a.kernel + dropWindows[0].kernel, interface: a.interface + dropWindows[0].interface,
                                      from: a.from, to: dropWindows[0].to)
        }
        return kernel + interface
    }

    /// Drops in windows that overlap the connection's life become an anomaly on it.
    private func annotateDrops(_ c: inout Connection) -> DropNote? {
        guard !dropWindows.isEmpty else { return nil }
        let from = c.startTime.timeInterval - live.statsInterval, to = c.endTime.timeInterval + live.statsInterval
        var note: DropNote?
        for w in dropWindows where w.to.timeInterval >= from && w.from.timeInterval <= to {
            if var n = note {
                n.kernel += w.kernel; n.interface += w.interface; n.to = w.to
                note = n
            } else {
                note = w
            }
        }
        if let n = note { c.anomalies.append(Anomaly(.captureDrops, frame: nil, n.sentence)) }
        return note
    }
}
