/// Picks the renderer for a format name.
public enum ReportFactory {
    public static func make(format: String, out: OutputSink, color: Bool, redact: Bool) -> ReportRenderer {
        switch format {
        case "json": return JSONReport(out: out)
        case "jsonl": return JSONLinesReport(out: out)
        default: return TextReport(out: out, color: color)
        }
    }
}
