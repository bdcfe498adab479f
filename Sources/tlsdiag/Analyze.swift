import ArgumentParser
import WireCore
import X509Inspect
import Diagnosis
import Pipeline
import Reports
#if canImport(Glibc)
import Glibc
#endif

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse pcap/pcapng files (or - for standard input) and explain every TLS handshake.")

    @Argument(help: ArgumentHelp("Capture files (pcap or pcapng); - reads standard input.", valueName: "FILE"))
    var files: [String]

    @Option(name: .long, help: "Output format.")
    var format: OutputFormat = .text

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
    var output: String?

    @OptionGroup var trust: TrustOptions

    @Option(name: .customLong("fail-on"), help: "Exit with status 1 when a finding at or above this severity exists.")
    var failOn: FailOn = .error

    @Flag(name: .long, help: "Replace IP and MAC addresses, host names and certificate serials with consistent pseudonyms.")
    var redact = false

    @Option(name: .long, help: "Analyse up to N input files in parallel (output is identical to a serial run).")
    var jobs: Int = 1

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one capture file (or - for standard input)") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be named only once") }
    }

    func run() throws {
        let options: AnalysisOptions
        do { options = try trust.makeOptions() } catch let e as CLIError { throw failUsage(e) }
        if let output, let input = files.first(where: { $0 != "-" && Self.sameFile($0, output) }) {
            // Opening the report would empty the capture before it is read.
            throw failUsage(CLIError("\(output): is the capture \(input) itself; the report would overwrite it (choose another -o file)"))
        }
        guard let sink = output.map({ OutputSink(path: $0) }) ?? OutputSink.standardOutput() else {
            let reason = String(cString: strerror(errno))
            throw failUsage(CLIError("\(output!): cannot write the report: \(reason) (check the directory exists and is writable)"))
        }
        let color = sink.isTerminal && getenv("NO_COLOR") == nil
        let renderer = ReportFactory.make(format: format.rawValue, out: sink, color: color, redact: redact)
        let outcome = AnalysisRunner.run(files: files, options: options, jobs: jobs, renderer: renderer,
                                         progress: isatty(2) == 1 && (!sink.isTerminal || [.text, .markdown, .html].contains(format)),
                                         onInputError: { printError($0.description) })
        if outcome.inputErrors > 0 { throw ExitCode(2) }
        if let threshold = failOn.threshold, let worst = outcome.worstSeverity, worst >= threshold { throw ExitCode(1) }
    }

    /// Both paths name one existing file (links followed).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
