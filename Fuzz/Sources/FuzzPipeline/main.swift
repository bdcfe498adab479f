// Fuzzes the whole pipeline on whole capture files: reading, decoding, reassembly, TLS, connection
// summaries, certificates, diagnosis, and every report format. The JSON and JSON Lines output must
// always be valid JSON (UTF-8, control characters escaped), whatever the capture holds.
import FuzzSupport
import Foundation
import WireCore
import Capture
import Connections
import X509Inspect
import Diagnosis
import Reports
import Pipeline

let cache = FuzzEnvironment.freshCache()
// Text, Markdown and HTML are rendered to /dev/null: they must not crash; their escaping is the
// reports' own tests' concern.
nonisolated(unsafe) let sink = OutputSink(path: "/dev/null")!  // libFuzzer calls in on one thread

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzFile.write(fuzzBytes(data, size))
    // A small connection table so the limit paths run too.
    var options = FuzzEnvironment.options
    options.limits.maxConnections = 8
    let analysis = CaptureAnalysis(options: options, cache: cache)
    var connections: [AnalyzedConnection] = []
    let input = analysis.run(path: FuzzFile.path, input: 0, onConnection: { connections.append($0) })
    if let e = input.error { precondition(!e.description.contains("\n"), "multi-line input error: \(e)") }

    var w = JSONWriter()
    w.beginArray()
    for (i, ac) in connections.enumerated() { ConnectionJSON.write(ac, id: i + 1, to: &w) }
    w.endArray()
    var inputs = JSONWriter()
    InputJSON.write([input], to: &inputs)
    if let p = JSONCheck.problem(in: w.bytes) ?? JSONCheck.problem(in: inputs.bytes) {
        fatalError("report JSON is not valid JSON: \(p)\n\(String(decoding: w.bytes + inputs.bytes, as: UTF8.self))")
    }
    // Rendering dominates the cost of a run; the redacted text report runs on a quarter of the inputs.
    for format in ["text", "markdown", "html"] {
        for redact in [false, true] where !redact || (format == "text" && size % 4 == 0) {
            let r = ReportFactory.make(format: format, out: sink, color: format == "text", redact: redact)
            r.begin()
            for ac in connections { r.connection(ac) }
            r.finish(inputs: [input])
        }
    }
    return 0
}

runFuzzer(testOneInput)
