import Diagnosis
public final class MarkdownReport: ReportRenderer {
    let out: OutputSink
    public init(out: OutputSink, redacted: Bool = false) { self.out = out }
    public func begin() {}
    public func connection(_ ac: AnalyzedConnection) {}
    public func finish(inputs: [InputResult]) {}
}
