import ArgumentParser
import Dispatch
import Synchronization
import WireCore
import Capture
import Connections
import Diagnosis
import Pipeline
import Reports
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM (through a dispatch source: no code runs in a signal handler); read by the capture loop.
private let stopRequests = Atomic<Int>(0)

struct Live: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture live from an interface (a mirrored switch port) and explain handshakes as they happen.",
        discussion: """
        Prints a line for each TLS handshake as soon as it ends (succeeded or failed), with the verdict and the \
        fix for failures. Ctrl-C (or SIGTERM) stops cleanly: the -w file is completed, a summary with the \
        kernel's and the interface's drop counters is printed, and --report is written.

        Capturing needs root, or once: sudo setcap cap_net_raw,cap_net_admin+eip $(command -v tlsdiag)

        Examples:
          tlsdiag interfaces
          tlsdiag live -i eth1 --filter 'tcp port 5061 or tcp port 443' -w dev.pcapng
          sudo tlsdiag live -i eth1 --user $USER --report r.html --format html
          tlsdiag live -i eth1 --duration 60 --format jsonl > handshakes.jsonl
        """)

    @Option(name: [.customShort("i"), .customLong("interface")], help: ArgumentHelp("Interface to capture on (see `tlsdiag interfaces`; a number picks from that list; `any` captures on all).", valueName: "IFACE"))
    var interface: String

    @Option(name: .customLong("filter"), help: ArgumentHelp("Capture filter in libpcap/tcpdump syntax, e.g. 'tcp port 5061 or tcp port 443'.", valueName: "BPF"))
    var filter: String?

    @Option(name: [.customShort("w"), .customLong("write")], help: ArgumentHelp("Save everything captured to FILE (pcapng), e.g. to send with the report or analyse again.", valueName: "FILE"))
    var write: String?

    @Option(name: .long, help: ArgumentHelp("Stop after S seconds.", valueName: "S"))
    var duration: Double?

    @Option(name: .long, help: ArgumentHelp("Stop after N connections have been reported (one line each).", valueName: "N"))
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("When the capture stops, write a report of every connection to FILE in --format.", valueName: "FILE"))
    var report: String?

    @Option(name: .long, help: "Format of --report. Without --report, jsonl prints one JSON object per connection on standard output instead of the lines.")
    var format: OutputFormat = .text

    @Option(name: .long, help: ArgumentHelp("Once the capture is open, drop root privileges and run as this user (the -w and --report files then belong to it).", valueName: "NAME"))
    var user: String?

    @Option(name: [.customShort("B"), .customLong("buffer-size")], help: ArgumentHelp("Kernel capture buffer in KiB (default 32768). Raise it when the summary shows kernel drops.", valueName: "KIB"))
    var bufferSize: Int?

    @Flag(name: .customLong("no-promisc"), help: "Do not put the interface into promiscuous mode (a mirror port needs it; default: on).")
    var noPromisc = false

    @Flag(name: .customLong("all"), help: "Also print a line for TCP connections without TLS and without findings.")
    var all = false

    @Option(name: .customLong("fail-on"), help: "Exit with status 1 when a finding at or above this severity was seen.")
    var failOn: FailOn = .error

    @OptionGroup var trust: TrustOptions

    func validate() throws {
        if let d = duration, !(d > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if let n = count, n < 1 { throw ValidationError("--count must be at least 1") }
        if let b = bufferSize, b < 1 || b > 4 << 20 { throw ValidationError("--buffer-size is in KiB: 1 to 4194304") }
        if write == "-" { throw ValidationError("-w - is not supported: standard output carries the handshake lines; name a file") }
        if report == nil && [.json, .markdown, .html].contains(format) {
            throw ValidationError("--format \(format.rawValue) is a whole document written when the capture stops: give --report FILE (or use --format jsonl to stream)")
        }
    }

    func run() throws {
        let options: AnalysisOptions
        do { options = try trust.makeOptions() } catch let e as CLIError { throw failUsage(e) }

        // Open the capture while still privileged.
        var captureOptions = LiveCaptureOptions(interface: interface)
        captureOptions.promiscuous = !noPromisc
        if let b = bufferSize { captureOptions.bufferSize = b * 1024 }
        let capture: LiveCapture
        do {
            capture = try LiveCapture(captureOptions)
            if let f = filter { try capture.setFilter(f) }
        } catch {
            throw failUsage(CLIError(error.description))
        }
        for w in capture.warnings { printError("warning: " + w) }
        capture.onNotice = { printError($0) }
        if let b = bufferSize, b * 1024 < 2 * capture.snaplen {
            printError("warning: --buffer-size \(b) KiB holds fewer than two full-size packets (\(2 * capture.snaplen / 1024) KiB): expect most packets to be dropped")
        }

        if let u = user {
            do {
                let id = try Privileges.drop(to: u)
                printError("capture opened; now running as user \(id.user) (uid \(id.uid), gid \(id.gid)), root privileges dropped")
            } catch {
                throw failUsage(CLIError(error.description))
            }
        }

        // Output files are created after the privilege drop, so they belong to --user (as with tcpdump -Z).
        var writer: PcapNGWriter?
        if let path = write {
            do {
                writer = try PcapNGWriter(path: path, header: .init(
                    interface: capture.interface, linkType: capture.linkType, snaplen: capture.snaplen,
                    filter: capture.filter, nanosecond: capture.nanosecondResolution, application: "tlsdiag \(ToolInfo.version)"))
            } catch {
                throw failUsage(CLIError(error.description))
            }
        }
        let stdout = OutputSink.standardOutput()
        var reportSink: OutputSink?
        if let path = report {
            guard let s = OutputSink(path: path) else {
                throw failUsage(CLIError("\(path): cannot write the report (check the directory exists and is writable\(user != nil ? " by --user \(user!)" : ""))"))
            }
            reportSink = s
        }
        let streamJSONL = report == nil && format == .jsonl
        let renderer: ReportRenderer? = reportSink.map { ReportFactory.make(format: format.rawValue, out: $0, color: false, redact: false) }
            ?? (streamJSONL ? ReportFactory.make(format: "jsonl", out: stdout, color: false, redact: false) : nil)
        let style = TerminalStyle(enabled: stdout.isTerminal && getenv("NO_COLOR") == nil)

        let signalSources = installStopSignals()
        defer { for s in signalSources { s.cancel() } }

        var live = LiveOptions()
        live.duration = duration
        live.count = count
        live.allConnections = all
        let linkName = capture.linkType.description
        var listening = "listening on \(capture.interface) (\(linkName), snaplen \(capture.snaplen)\(noPromisc || capture.interface == "any" ? "" : ", promiscuous"))"
        if let f = capture.filter { listening += ", filter '\(f)'" }
        if let w = write { listening += ", saving to \(w)" }
        if let d = duration { listening += ", for \(Self.seconds(d))" }
        printError(listening + "; Ctrl-C to stop")

        let analysis = LiveAnalysis(options: options, live: live)
        let summary = analysis.run(capture: capture, writer: writer, renderer: renderer,
                                   shouldStop: { stopRequests.load(ordering: .relaxed) > 0 },
                                   onEvent: { event in
            guard event.printLine, !streamJSONL else { return }
            stdout.write(Self.describe(event, style: style))
            stdout.flush()
        })
        capture.close()

        var text = Self.summaryText(summary, interface: capture.interface, write: write, writer: writer, report: report, format: format)
        if capture.linkDownCount > 0 {
            text += "  link: \(capture.interface) went down \(capture.linkDownCount) time\(capture.linkDownCount == 1 ? "" : "s") during the capture; packets sent while it was down were not captured\n"
        }
        if streamJSONL {
            printError(Self.trimTrailing(text.split(separator: "\n").joined(separator: "\n  ")))
        } else {
            stdout.write("\n" + text)
            stdout.flush()
        }
        if case .failed(let why) = summary.stopReason {
            printError(why)
            throw ExitCode(2)
        }
        if let w = writer?.writeError { printError("\(write!): \(w)"); throw ExitCode(2) }
        if let threshold = failOn.threshold, let worst = summary.worstSeverity, worst >= threshold { throw ExitCode(1) }
    }

    // MARK: - Signals

    /// SIGINT and SIGTERM set a flag (handled on a dispatch queue, not in a signal handler); the
    /// capture loop sees it within 100 ms and stops cleanly. A second one exits at once.
    private func installStopSignals() -> [DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        let queue = DispatchQueue(label: "tlsdiag.signals")
        return [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if stopRequests.add(1, ordering: .relaxed).newValue > 1 {
                    let m = "tlsdiag: interrupted again: exiting without the summary (the -w file is complete up to its last flush)\n"
                    _ = m.withCString { Glibc.write(2, $0, strlen($0)) }
                    _exit(130)
                }
            }
            source.resume()
            return source
        }
    }

    // MARK: - Words

    static func describe(_ event: LiveEvent, style: TerminalStyle) -> String {
        let ac = event.analyzed
        let c = ac.connection
        let time = clock(c.endTime)
        var line = time + " " + summaryLine(ac, style: style)
        switch event.kind {
        case .handshakeCompleted: line += " (connection open)"
        case .changed: line = time + " update: " + summaryLine(ac, style: style)
        case .finished: break
        }
        if c.endReason.hasPrefix("the capture stopped") { line += " (capture stopped before the connection ended)" }
        var s = trimTrailing(line) + "\n"
        let failed = c.outcome.isFailure || (ac.rootCause.map { $0.severity >= .warning } ?? false)
        if failed, let f = ac.rootCause {
            s += "    \(style.severity(f.severity)) \(f.rule.rawValue) [\(f.confidence.rawValue) confidence] \(TerminalStyle.visible(f.title))\n"
            s += "    \(TerminalStyle.visible(f.explanation))\n"
            if !f.frames.isEmpty { s += "    Frames: \(f.frames.map(String.init).joined(separator: ", "))\n" }
            s += "    Fix: \(TerminalStyle.visible(f.remediation).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n         "))\n"
        } else if failed {
            let alert = c.tls.alerts.first.map { a in
                "\(a.sender) sent \(a.encrypted && a.description == nil ? "an encrypted alert" : "\(a.level.map { "\($0)" } ?? "") \(a.description.map { "\($0)" } ?? "")")" + " (frame \(a.frame))"
            }
            s += "    \(c.outcome.rawValue)\(alert.map { ": " + $0 } ?? "")\n"
        } else if let f = ac.rootCause, f.rule == .handshakeOK {
            s += "    \(TerminalStyle.visible(f.title))\n"
        }
        if let d = event.drops { s += "    Note: \(d.sentence)\n" }
        return s
    }

    /// `#id client -> server [SNI] version cipher outcome ROOT-RULE`: the id is the tracker's, so it is
    /// the connection's rank in the -w file too.
    static func summaryLine(_ ac: AnalyzedConnection, style: TerminalStyle) -> String {
        let c = ac.connection
        var parts = ["#\(c.id)", "\(c.client) -> \(c.server)"]
        if let sni = c.tls.serverName { parts.append(TerminalStyle.visible(sni)) }
        if let v = c.tls.version { parts.append(v.description) }
        if let cs = c.tls.cipher { parts.append(cs.description) }
        let outcome = c.outcome == .established ? style.green(c.outcome.rawValue)
            : c.outcome.isFailure ? style.red(c.outcome.rawValue) : style.yellow(c.outcome.rawValue)
        parts.append(outcome)
        if let r = ac.rootCause { parts.append(r.rule.rawValue) }
        return parts.joined(separator: " ")
    }

    static func summaryText(_ s: LiveSummary, interface: String, write: String?, writer: PcapNGWriter?, report: String?, format: OutputFormat) -> String {
        let elapsed = s.end.difference(from: s.start)
        let why: String
        switch s.stopReason {
        case .interrupted: why = "Stopped"
        case .duration: why = "Stopped after --duration"
        case .count: why = "Stopped after --count"
        case .failed: why = "Capture failed"
        }
        var t = "\(why): \(seconds(elapsed)) on \(interface), \(s.frames) packets, \(s.connections) connection\(s.connections == 1 ? "" : "s") (\(s.tlsConnections) TLS)\n"
        if !s.outcomes.isEmpty {
            t += "  outcomes: " + s.outcomes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        if !s.verdicts.isEmpty {
            t += "  failures: " + s.verdicts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        for f in s.input.findings { t += "  \(f.rule.rawValue): \(TerminalStyle.visible(f.title)) — \(TerminalStyle.visible(f.explanation))\n" }
        if let st = s.stats {
            t += "  drops: \(st.kernelDropped) by the kernel, \(st.interfaceDropped) by the interface (libpcap: \(st.received) packets received by the filter\(interface == "lo" ? "; on lo each packet is counted twice" : ""))\n"
            if st.dropped > 0 {
                t += "  \(s.connectionsWithDrops) connection\(s.connectionsWithDrops == 1 ? " was" : "s were") open while packets were lost; their findings carry a note. "
                    + (st.kernelDropped > 0 ? "Kernel drops mean this machine could not keep up: narrow --filter to the device's traffic." : "Interface drops mean the NIC was overrun: check the mirror port's speed.") + "\n"
            }
        } else {
            t += "  drops: unknown (libpcap could not read the interface's counters)\n"
        }
        if let w = write, let wr = writer {
            t += "  capture saved: \(w) (pcapng, \(wr.packets) packets); analyse again with: tlsdiag analyze \(w)\n"
        }
        if let r = report {
            t += "  report: \(r) (\(format.rawValue))"
            if s.reportOmitted > 0 { t += "; \(s.reportOmitted) connections beyond the report's limit are counted here only" }
            t += "\n"
        }
        return t
    }

    static func clock(_ t: Timestamp) -> String {
        let (_, _, _, h, m, sec) = Timestamp.civil(fromUnix: t.seconds)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = Int(t.nanoseconds / 1_000_000)
        return "\(two(h)):\(two(m)):\(two(sec)).\(ms < 10 ? "00" : ms < 100 ? "0" : "")\(ms)"
    }

    static func trimTrailing(_ text: String) -> String {
        var s = text
        while s.last == " " || s.last == "\n" { s.removeLast() }
        return s
    }

    static func seconds(_ d: Double) -> String {
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? "\(Int(r)) s" : "\(r) s"
    }
}

