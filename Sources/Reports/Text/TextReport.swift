import WireCore
import Connections
import Diagnosis

/// `--format text` (default): one line per connection as it finishes, then, for each failed
/// connection, the verdict in one sentence, the evidence and the fix.
public final class TextReport: ReportRenderer {
    let out: OutputSink
    let style: TerminalStyle
    var failed: [(Int, AnalyzedConnection)] = []
    var nextID = 1
    var total = 0

    public init(out: OutputSink, color: Bool) {
        self.out = out
        self.style = TerminalStyle(enabled: color)
    }

    public func begin() {}

    public func connection(_ ac: AnalyzedConnection) {
        let id = nextID
        nextID += 1
        total += 1
        out.write(TextLines.summaryLine(ac, id: id, style: style) + "\n")
        if let root = ac.rootCause, root.severity >= .warning || ac.connection.outcome.isFailure {
            if failed.count < 1000 { failed.append((id, ac)) }
        }
    }

    public func finish(inputs: [InputResult]) {
        for r in inputs {
            if let e = r.error { out.write(style.red("error") + ": " + TerminalStyle.visible(e.description) + "\n") }
            if let p = r.info?.readProblem { out.write(style.yellow("warning") + ": " + TerminalStyle.visible(r.path) + ": " + p + "\n") }
            for f in r.findings {
                out.write("\n" + style.bold(TerminalStyle.visible(r.path)) + ": " + style.severity(f.severity) + " " + f.rule.rawValue + " — " + TerminalStyle.visible(f.title) + "\n")
                out.write("  " + TerminalStyle.visible(f.explanation) + "\n  Fix: " + TerminalStyle.visible(f.remediation) + "\n")
            }
        }
        for (id, ac) in failed {
            out.write("\n" + TextLines.details(ac, id: id, style: style))
        }
        if total == 0 && inputs.allSatisfy({ $0.error == nil }) { out.write("No TCP connections found.\n") }
        out.flush()
    }
}

/// Text pieces shared by the terminal and Markdown reports.
public enum TextLines {
    public static func summaryLine(_ ac: AnalyzedConnection, id: Int, style: TerminalStyle) -> String {
        let c = ac.connection
        let sni = c.tls.serverName.map { " " + TerminalStyle.visible($0) } ?? ""
        let version = c.tls.version?.description ?? "-"
        let cipher = c.tls.cipher?.description ?? ""
        let verdict = ac.rootCause.map { "\($0.rule.rawValue)" } ?? ""
        let outcome = c.outcome == .established ? style.green(c.outcome.rawValue) : (c.outcome.isFailure ? style.red(c.outcome.rawValue) : style.yellow(c.outcome.rawValue))
        return "#\(id) frame \(c.firstFrame) \(c.client) -> \(c.server)\(sni) \(version) \(cipher) \(outcome) \(verdict)"
    }

    public static func details(_ ac: AnalyzedConnection, id: Int, style: TerminalStyle) -> String {
        let c = ac.connection
        var s = style.bold("#\(id) \(c.client) -> \(c.server)") + " (\(c.outcome.rawValue))\n"
        for (i, f) in ac.findings.enumerated() {
            let lead = i == 0 ? "Verdict" : (f.followsFrom != nil ? "Follows" : "Also")
            s += "  \(lead): \(style.severity(f.severity)) \(f.rule.rawValue) [\(f.confidence.rawValue) confidence] \(TerminalStyle.visible(f.title))\n"
            s += "    \(TerminalStyle.visible(f.explanation))\n"
            for e in f.evidence {
                s += "    - \(e.label): \(TerminalStyle.visible(e.value))\(e.frame.map { " (frame \($0))" } ?? "")\n"
            }
            if !f.frames.isEmpty { s += "    Frames: \(f.frames.map(String.init).joined(separator: ", "))\n" }
            if let note = f.confidenceNote { s += "    Note: \(TerminalStyle.visible(note))\n" }
            s += "    Fix: \(TerminalStyle.visible(f.remediation).replacingNewlines("\n         "))\n"
        }
        return s
    }
}

extension String {
    func replacingNewlines(_ with: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: with)
    }
}

/// ANSI styling, only when enabled (stdout is a terminal and NO_COLOR is unset).
public struct TerminalStyle: Sendable {
    public let enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }
    func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s }
    public func red(_ s: String) -> String { wrap(s, "31") }
    public func green(_ s: String) -> String { wrap(s, "32") }
    public func yellow(_ s: String) -> String { wrap(s, "33") }
    public func bold(_ s: String) -> String { wrap(s, "1") }
    public func severity(_ s: Severity) -> String {
        switch s { case .error: return red("error"); case .warning: return yellow("warning"); case .info: return green("info") }
    }

    /// Capture-controlled text for a terminal: control characters (ESC, CR, BEL, C1) made visible
    /// so a certificate name cannot move the cursor, recolour or rewrite the screen.
    public static func visible(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x20 && v != 0x0a || v == 0x7f || (v >= 0x80 && v < 0xa0) || v == 0x2028 || v == 0x2029 || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069) {
                out += "\\u{\(String(v, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
