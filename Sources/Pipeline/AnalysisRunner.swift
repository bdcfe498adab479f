import WireCore
import X509Inspect
import Diagnosis
import Reports
#if canImport(Glibc)
import Glibc
#endif

/// Runs the analysis over several inputs into one renderer.
public enum AnalysisRunner {
    public struct Outcome: Sendable {
        public var inputErrors = 0
        public var worstSeverity: Severity?
        public var connections = 0
    }

    public static func run(files: [String], options: AnalysisOptions, jobs: Int, renderer: ReportRenderer,
                           progress: Bool, onInputError: (String) -> Void) -> Outcome {
        let cache = CertificateCache()
        var outcome = Outcome()
        var results: [InputResult] = []
        renderer.begin()
        let meter = ProgressMeter(enabled: progress)
        for (index, path) in files.enumerated() {
            let analysis = CaptureAnalysis(options: options, cache: cache)
            meter.begin(path)
            let r = analysis.run(path: path, input: index, onConnection: { ac in
                outcome.connections += 1
                if let s = ac.highestSeverity { outcome.worstSeverity = max(outcome.worstSeverity ?? s, s) }
                renderer.connection(ac)
            }, progress: progress ? { meter.update(frames: $0) } : nil)
            meter.end()
            if let e = r.error { outcome.inputErrors += 1; onInputError(e.description) }
            if let p = r.info?.readProblem { onInputError("\(r.path): \(p)") }
            for f in r.findings { outcome.worstSeverity = max(outcome.worstSeverity ?? f.severity, f.severity) }
            results.append(r)
        }
        renderer.finish(inputs: results)
        return outcome
    }
}
