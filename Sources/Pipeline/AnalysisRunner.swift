import Dispatch
import WireCore
import X509Inspect
import Connections
import Diagnosis
import Reports
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the analysis over several inputs into one renderer.
///
/// Whatever `jobs` is, the renderer sees exactly the connections of a serial run, in the same order
/// (input by input, each input's connections as they finished), so every format's output is
/// byte-identical to `--jobs 1`:
/// - one input, or `jobs` 1: the packets are read on the calling thread and, on a machine with more
///   than one core, the renderer works on its own thread one batch behind (JSON text building then
///   overlaps packet reading);
/// - several inputs with `jobs` > 1: up to `jobs` inputs are analysed at once on worker threads; the
///   calling thread renders the first unfinished input's connections as they come and buffers the
///   others'. Each input's buffer is bounded (`bufferBudget` bytes, estimated): a worker that fills
///   it waits until its input is the one being rendered, so memory stays bounded whatever the inputs.
public enum AnalysisRunner {
    public struct Outcome: Sendable {
        public var inputErrors = 0
        public var worstSeverity: Severity?
        public var connections = 0
        /// Batches the reading thread summarised itself because the rendering side was behind
        /// (see `RenderStage.flush`); how the work was shared, not what was found.
        public var batchesSummarisedByReader = 0
    }

    /// Bytes of analysed connections one input may hold while it waits for its turn to be rendered.
    public static let bufferBudget = 32 << 20

    public static func run(files: [String], options: AnalysisOptions, jobs: Int, renderer: ReportRenderer,
                           progress: Bool, onInputError: (String) -> Void) -> Outcome {
        let workers = min(max(jobs, 1), files.count)
        if workers > 1 {
            return runParallel(files: files, options: options, workers: workers, budget: bufferBudget,
                               renderer: renderer, progress: progress, onInputError: onInputError)
        }
        let cache = CertificateCache()
        var outcome = Outcome()
        var results: [InputResult] = []
        renderer.begin()
        let stage = RenderStage(renderer: renderer, threaded: processorCount > 1)
        let meter = ProgressMeter(enabled: progress)
        for (index, path) in files.enumerated() {
            let analysis = CaptureAnalysis(options: options, cache: cache)
            meter.begin(path)
            var r = analysis.read(path: path, input: index, onFinished: { flow in stage.submit(flow, analysis) },
                                  progress: progress ? { meter.update(frames: $0) } : nil)
            meter.end()
            let done = stage.drain()
            analysis.conclude(&r, explainedConnections: done.explained)
            outcome.absorb(done.counted)
            outcome.finished(r, onInputError: onInputError)
            results.append(r)
        }
        outcome.batchesSummarisedByReader = stage.batchesSummarisedByReader
        renderer.finish(inputs: results)
        return outcome
    }

    // MARK: - Several inputs at once

    static func runParallel(files: [String], options: AnalysisOptions, workers: Int, budget: Int,
                            renderer: ReportRenderer, progress: Bool, onInputError: (String) -> Void) -> Outcome {
        let cache = CertificateCache()   // thread-safe; summaries depend only on the DER, so sharing changes no output
        let board = InputBoard(count: files.count, budget: budget)
        let group = DispatchGroup()
        for _ in 0..<workers {
            DispatchQueue.global().async(group: group) {
                while let index = board.claimNextInput() {
                    let analysis = CaptureAnalysis(options: options, cache: cache)
                    var pending: [AnalyzedConnection] = []
                    var pendingBytes = 0
                    let r = analysis.run(path: files[index], input: index, onConnection: { ac in
                        pending.append(ac)
                        pendingBytes += estimatedBytes(ac)
                        if pending.count >= RenderStage.batchSize {
                            board.put(pending, bytes: pendingBytes, input: index)
                            pending.removeAll(keepingCapacity: true)
                            pendingBytes = 0
                        }
                    }, progress: { board.setFrames($0, input: index) })
                    board.put(pending, bytes: pendingBytes, input: index)
                    board.finish(index, result: r)
                }
            }
        }

        var outcome = Outcome()
        var results: [InputResult] = []
        renderer.begin()
        let meter = ProgressMeter(enabled: progress)
        for (index, path) in files.enumerated() {
            meter.begin(path)
            while true {
                let (batch, frames, result) = board.take(input: index)
                for ac in batch {
                    outcome.count(ac)
                    renderer.connection(ac)
                }
                if progress { meter.update(frames: frames) }
                if let r = result {
                    meter.end()
                    outcome.finished(r, onInputError: onInputError)
                    results.append(r)
                    break
                }
            }
        }
        group.wait()
        renderer.finish(inputs: results)
        return outcome
    }

    /// A rough size of an analysed connection in memory, for the buffer budget: the certificates and
    /// hello extensions it carries dominate; the rest is a few kilobytes of fields and transcript.
    static func estimatedBytes(_ ac: AnalyzedConnection) -> Int {
        let c = ac.connection
        var n = 4096 + c.transcript.count * 96 + c.anomalies.count * 160 + ac.findings.count * 1024
        if let ch = c.tls.clientHello?.value {
            n += ch.cipherSuites.count * 8
            for e in ch.extensions { n += e.data.count + 48 }
        }
        for chain in [ac.serverChain, ac.clientChain] {
            guard let chain else { continue }
            for cert in chain.certificates { n += cert.der.count + 2048 }
        }
        return n
    }

    static var processorCount: Int {
        #if canImport(Glibc) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }
}

extension AnalysisRunner.Outcome {
    mutating func count(_ ac: AnalyzedConnection) {
        connections += 1
        if let s = ac.highestSeverity { worstSeverity = max(worstSeverity ?? s, s) }
    }

    /// Adds what another tally counted (the render stage's, per input).
    mutating func absorb(_ other: Self) {
        inputErrors += other.inputErrors
        connections += other.connections
        if let s = other.worstSeverity { worstSeverity = max(worstSeverity ?? s, s) }
    }

    mutating func finished(_ r: InputResult, onInputError: (String) -> Void) {
        if let e = r.error { inputErrors += 1; onInputError(e.description) }
        if let p = r.info?.readProblem { onInputError("\(r.path): \(p)") }
        for f in r.findings { worstSeverity = max(worstSeverity ?? f.severity, f.severity) }
    }
}

/// Summaries, certificates, rules and rendering on their own serial queue, batch by batch and in order, so they
/// overlap the packet work of the calling thread (the two halves cost about the same: on two cores the
/// run takes half as long as doing both on one thread). At most `maxBatchesInFlight` batches wait:
/// memory stays bounded when this side is the slower one. Without a thread (one core) it works in place.
/// The renderer and the counts are touched by one thread at a time: only the queue between `begin`
/// (called before the stage exists) and `drain`, which waits for the queue.
final class RenderStage: @unchecked Sendable {
    static let batchSize = 32
    static let maxBatchesInFlight = 8

    /// What the stage saw of one input's connections.
    struct Counts {
        var counted = AnalysisRunner.Outcome()
        /// Connections whose findings explain them (for CAPTURE-NO-TLS).
        var explained = 0
    }

    private let renderer: ReportRenderer
    private let queue: DispatchQueue?
    private let slots = DispatchSemaphore(value: RenderStage.maxBatchesInFlight)
    private var batch: [FinishedFlow] = []
    private var batchAnalysis: CaptureAnalysis?
    /// Written by the queue only; read by `drain` after the queue is idle.
    private var counts = Counts()
    /// Written by the calling thread only.
    private(set) var batchesSummarisedByReader = 0

    init(renderer: ReportRenderer, threaded: Bool) {
        self.renderer = renderer
        self.queue = threaded ? DispatchQueue(label: "tlsdiag.render") : nil
        batch.reserveCapacity(Self.batchSize)
    }

    /// `flow` is summarised and analysed with `analysis` (the analysis of its input, which only this stage
    /// uses for that).
    func submit(_ flow: FinishedFlow, _ analysis: CaptureAnalysis) {
        guard queue != nil else { handle(flow, analysis); return }
        if batchAnalysis !== analysis { flush() }
        batchAnalysis = analysis
        batch.append(flow)
        if batch.count >= Self.batchSize { flush() }
    }

    private func handle(_ flow: FinishedFlow, _ analysis: CaptureAnalysis) {
        handle(summary: flow.summarize(), analysis)
    }

    /// Takes the summary: `analyze` consumes it, so it is not copied on the way.
    private func handle(summary: consuming Connection, _ analysis: CaptureAnalysis) {
        let ac = analysis.analyze(summary)
        counts.counted.count(ac)
        if CaptureAnalysis.explainsItself(ac) { counts.explained += 1 }
        renderer.connection(ac)
    }

    /// Hands over what is batched. When every slot is taken this side is the faster one: rather than
    /// wait idle, it summarises the batch itself (and frees the flows' buffers), which leaves the queue
    /// only the certificates, rules and rendering. Summaries depend only on the flow, so the output is
    /// the same whichever thread makes them.
    private func flush() {
        guard let queue, !batch.isEmpty, let analysis = batchAnalysis else { return }
        let flows = batch
        batch.removeAll(keepingCapacity: true)
        let work: UncheckedBatch
        if slots.wait(timeout: .now()) == .timedOut {
            work = UncheckedBatch(flows: [], lastFirst: flows.reversed().map { $0.summarize() }, analysis: analysis)
            batchesSummarisedByReader += 1
            slots.wait()
        } else {
            work = UncheckedBatch(flows: flows, lastFirst: [], analysis: analysis)
        }
        queue.async { [self] in
            for flow in work.flows { handle(flow, work.analysis) }
            // Taken out of the batch and popped (a move) so each is handed on, not copied. They were made last
            // first: reversing 32 summaries here swapped ~1.4 K instructions of bytes per connection.
            var summaries = work.takeSummaries()
            while let summary = summaries.popLast() { handle(summary: summary, work.analysis) }
            slots.signal()
        }
    }

    /// Waits until every connection submitted is analysed and rendered; returns their counts since the last drain.
    func drain() -> Counts {
        flush()
        queue?.sync {}
        defer { counts = Counts() }
        return counts
    }
}

/// A batch and the analysis it belongs to, handed to the stage's queue: the calling thread no longer touches
/// the flows, and of the analysis only the queue uses `analyze` (the caller only reads packets with it).
/// A class, so the queue can take the summaries out and own them alone.
private final class UncheckedBatch: @unchecked Sendable {
    /// Either the flows in order, or (summarised by the calling thread) their summaries, the last first.
    let flows: [FinishedFlow]
    private var summaries: [Connection]
    let analysis: CaptureAnalysis

    init(flows: [FinishedFlow], lastFirst summaries: [Connection], analysis: CaptureAnalysis) {
        self.flows = flows; self.summaries = summaries; self.analysis = analysis
    }

    func takeSummaries() -> [Connection] {
        defer { summaries = [] }
        return summaries
    }
}

/// What the workers of a parallel run hand to the rendering thread, per input, under one lock.
final class InputBoard: @unchecked Sendable {   // all mutable state is behind `monitor`
    private struct Slot {
        var items: [AnalyzedConnection] = []
        var bytes = 0
        var frames = 0
        var result: InputResult?
    }

    private let monitor = Monitor()
    private var slots: [Slot]
    private var nextInput = 0
    private let budget: Int

    init(count: Int, budget: Int) {
        slots = Array(repeating: Slot(), count: count)
        self.budget = budget
    }

    /// The next input nobody analyses yet, in input order (so the one being rendered is always in work).
    func claimNextInput() -> Int? {
        monitor.locked {
            guard nextInput < slots.count else { return nil }
            nextInput += 1
            return nextInput - 1
        }
    }

    /// Adds analysed connections; waits while this input's buffer is over budget (until the
    /// rendering thread takes them, which it does only once it reaches this input).
    func put(_ items: [AnalyzedConnection], bytes: Int, input: Int) {
        guard !items.isEmpty else { return }
        monitor.locked {
            slots[input].items.append(contentsOf: items)
            slots[input].bytes += bytes
            monitor.broadcast()
            while slots[input].bytes > budget { monitor.wait() }
        }
    }

    func setFrames(_ frames: Int, input: Int) {
        monitor.locked { slots[input].frames = frames }
    }

    func finish(_ input: Int, result: InputResult) {
        monitor.locked {
            slots[input].result = result
            monitor.broadcast()
        }
    }

    /// Waits for connections of `input` or its end; returns what is there. `result` is set once the
    /// input is over and every one of its connections has been returned.
    func take(input: Int) -> (items: [AnalyzedConnection], frames: Int, result: InputResult?) {
        monitor.locked {
            while slots[input].items.isEmpty && slots[input].result == nil { monitor.wait() }
            let items = slots[input].items
            slots[input].items = []
            slots[input].bytes = 0
            monitor.broadcast()
            let result = slots[input].result
            if result != nil { slots[input].result = nil }
            return (items, slots[input].frames, result)
        }
    }
}

/// A mutex with one condition variable (pthreads: no Foundation in this module).
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Only inside `locked`.
    func wait() { pthread_cond_wait(condition, mutex) }
    /// Only inside `locked`.
    func broadcast() { pthread_cond_broadcast(condition) }
}
