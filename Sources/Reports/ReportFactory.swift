/// Picks the renderer for a format name. With `redact`, every format sees the connections and
/// inputs only after a `Redactor` (Common/Redaction.swift) has replaced addresses, MACs, host
/// names and serials with pseudonyms, so no renderer can forget to redact a field.
public enum ReportFactory {
    public static func make(format: String, out: OutputSink, color: Bool, redact: Bool) -> ReportRenderer {
        let renderer: ReportRenderer
        switch format {
        case "json":
            let json = JSONReport(out: out)
            json.redacted = redact
            renderer = json
        case "jsonl": renderer = JSONLinesReport(out: out)
        case "markdown", "md": renderer = MarkdownReport(out: out, redacted: redact)
        case "html": renderer = HTMLReport(out: out, redacted: redact)
        default: renderer = TextReport(out: out, color: color, redacted: redact)
        }
        return redact ? RedactingRenderer(renderer) : renderer
    }
}
