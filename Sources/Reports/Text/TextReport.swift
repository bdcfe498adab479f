import WireCore
import Connections
import X509Inspect
import Diagnosis

/// `--format text` (default): an aligned table of every connection, then for each failed or warned
/// connection the verdict, evidence, frames and fix (a successful one gets one line), then a verdict
/// per device. Buffered until the end so the table can be aligned; memory stays bounded (details
/// are kept for at most `detailLimit` connections, table rows are short).
///
/// Every capture-derived string passes through `TerminalStyle.visible` (via `v(_:)`) before it is
/// printed, so certificate names and SNI cannot move the cursor, recolour or retitle the terminal.
public final class TextReport: ReportRenderer {
    let out: OutputSink
    let style: TerminalStyle
    let redacted: Bool
    let width: Int
    var listed = ConnectionRows(limit: 100_000)
    public var okRowLimit: Int { get { listed.okLimit } set { listed.okLimit = newValue } }
    var details: [(ConnectionDigest, AnalyzedConnection)] = []
    var successes: [(ConnectionDigest, AnalyzedConnection)] = []
    var omittedDetails = 0
    var omittedSuccesses = 0
    var devices = DeviceGrouper()
    var counts = OutcomeCounts()
    var nextID = 1
    public var detailLimit = 500
    public var successLimit = 30
    public var rowLimit: Int { get { listed.limit } set { listed.limit = newValue } }

    public init(out: OutputSink, color: Bool, redacted: Bool = false, width: Int = 100) {
        self.out = out
        self.style = TerminalStyle(enabled: color)
        self.redacted = redacted
        self.width = width
    }

    public func begin() {}

    public func connection(_ ac: AnalyzedConnection) {
        let d = ConnectionDigest(ac, id: nextID)
        nextID += 1
        counts.add(d.status)
        devices.add(d)
        listed.add(d)
        switch d.status {
        case .ok:
            if successes.count < successLimit { successes.append((d, ac)) } else { omittedSuccesses += 1 }
        default:
            if details.count < detailLimit { details.append((d, ac)) } else { omittedDetails += 1 }
        }
    }

    public func finish(inputs: [InputResult]) {
        out.write(render(inputs: inputs))
        out.flush()
    }

    func v(_ s: String) -> String { TerminalStyle.visible(s) }

    /// The whole report (separate from `finish` for tests).
    public func render(inputs: [InputResult]) -> String {
        var s = ""
        // Header
        let names = inputs.map { v($0.path) }.joined(separator: ", ")
        s += style.bold("tlsdiag: \(names.isEmpty ? "no input" : names)") + "  " + counts.sentence + "\n"
        if redacted { s += style.yellow("Redacted: addresses, MACs, host names, serials and fingerprints are pseudonyms.") + "\n" }
        for r in inputs {
            if inputs.count > 1 || r.error != nil || r.info?.readProblem != nil {
                let line = ReportProse.inputLine(r)
                s += "  " + v(r.path) + ": " + (r.error != nil ? style.red(v(line)) : v(line)) + "\n"
            } else {
                s += "  " + v(ReportProse.inputLine(r)) + "\n"
            }
        }
        // Input-level findings (CAPTURE-NO-TLS …)
        for r in inputs {
            for f in r.findings {
                s += "\n" + marker(f.severity) + " " + style.bold(f.rule.rawValue) + " " + v(f.title) + "\n"
                s += wrap(v(f.explanation), indent: "  ")
                for e in f.evidence { s += "  - " + v(e.label) + ": " + v(e.value) + (e.frame.map { " (frame \($0))" } ?? "") + "\n" }
                s += wrap(v(f.remediation), indent: "  ", first: "  Fix: ")
            }
        }
        if counts.total == 0 {
            if inputs.allSatisfy({ $0.error == nil }) { s += "\nNo TCP connections found.\n" }
            return s
        }

        // Table
        s += "\n" + style.bold("CONNECTIONS") + "\n"
        s += table()
        if let more = listed.unlisted(of: counts) { s += "  … " + more + " not listed\n" }

        // Details
        if !details.isEmpty || !successes.isEmpty {
            s += "\n" + style.bold("DETAILS") + "\n"
        }
        for (d, ac) in details { s += detail(d, ac) + "\n" }
        if omittedDetails > 0 { s += "… details of \(omittedDetails) more failed or warned connections omitted (use --format json for all).\n\n" }
        for (d, ac) in successes {
            let title = ac.rootCause?.title ?? "Handshake completed"
            s += style.green("OK  ") + " #\(d.id) " + v(d.client) + " → " + v(d.server) + " " + v(d.service) + ": " + v(title) + "\n"
        }
        if omittedSuccesses > 0 { s += "… \(omittedSuccesses) more successful connections.\n" }

        // Devices
        s += "\n" + style.bold("BY DEVICE") + "\n"
        for dev in devices.ordered {
            s += "  " + style.bold(v(dev.label)) + " — \(dev.connections.count) connection\(dev.connections.count == 1 ? "" : "s")\n"
            for p in dev.parts.sorted(by: { $0.status > $1.status }) {
                s += wrap(v(p.line), indent: "          ", first: "    " + statusTag(p.status) + "  ")
            }
        }
        if let note = devices.unlistedNote { s += "  " + note + "\n" }
        return s
    }

    func statusTag(_ st: ConnectionDigest.Status) -> String {
        switch st {
        case .ok: return style.green("OK  ")
        case .warning: return style.yellow("WARN")
        case .inconclusive: return style.yellow("NOTE")
        case .failed: return style.red("FAIL")
        }
    }

    func marker(_ s: Severity) -> String {
        switch s {
        case .error: return style.red("ERROR")
        case .warning: return style.yellow("WARNING")
        case .info: return style.green("INFO")
        }
    }

    func table() -> String {
        let header = ["#", "Client", "Server", "SNI", "Outcome", "Root cause", "Version", "Cipher"]
        let data: [[String]] = listed.rows.map { d in
            [String(d.id), cell(d.client), cell(d.server), clip(cell(d.sni ?? "-"), 32), d.outcome.rawValue,
             d.rootRule ?? "-", d.version ?? "-", d.cipher ?? "-"]
        }
        var widths = header.map(\.count)
        for r in data { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String], colour: ((Int, String) -> String)? = nil) -> String {
            var s = " "
            for (i, c) in cells.enumerated() {
                let pad = i == cells.count - 1 ? "" : String(repeating: " ", count: widths[i] - c.count + 2)
                let cell = i == 0 ? String(repeating: " ", count: widths[0] - c.count) + c : c
                s += (colour?(i, cell) ?? cell) + (i == 0 ? "  " : pad)
            }
            return s + "\n"
        }
        var s = style.bold(line(header).dropLast().description) + "\n"
        for (r, d) in zip(data, listed.rows) {
            s += line(r) { i, cell in
                guard i == 4 else { return cell }
                switch d.status {
                case .ok: return self.style.green(cell)
                case .failed: return self.style.red(cell)
                default: return self.style.yellow(cell)
                }
            }
        }
        return s
    }

    /// A table cell: visible, and on one line.
    func cell(_ s: String) -> String { v(s).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n") }

    func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }

    func detail(_ d: ConnectionDigest, _ ac: AnalyzedConnection) -> String {
        let c = ac.connection
        var s = style.bold("#\(d.id) " + v(d.client) + " → " + v(d.server)) + "  " + v(d.service)
        if let sni = d.sni { s += "  SNI " + v(sni) }
        s += "  frames \(c.firstFrame)–\(c.lastFrame), " + ReportProse.date(c.startTime) + "\n"
        s += wrap(v(ReportProse.verdict(ac, digest: d)), indent: "        ", first: "  " + statusTag(d.status) + "  ")
        for (i, f) in ac.findings.enumerated() {
            let consequence = i > 0
            let ind = consequence ? "      " : "  "
            // An info finding beside a problem (HANDSHAKE-OK next to a warning) is one line.
            if consequence && f.severity == .info {
                s += "\n" + ind + marker(f.severity) + " " + style.bold(f.rule.rawValue) + "  " + ReportProse.relation(f, index: i) + "\n"
                s += wrap(v(f.title), indent: ind + "  ")
                continue
            }
            s += "\n"
            s += ind + marker(f.severity) + " " + style.bold(f.rule.rawValue) + " (\(f.confidence.rawValue) confidence)"
            s += "  " + ReportProse.relation(f, index: i) + "\n"
            s += wrap(v(f.title), indent: ind + "  ")
            s += wrap(v(f.explanation), indent: ind + "  ")
            // A consequence of the root cause: its own evidence and fix would repeat (or contradict) the root cause's.
            let full = !consequence || f.followsFrom == nil
            if full && !f.evidence.isEmpty {
                s += ind + "  Evidence:\n"
                let fw = f.evidence.compactMap { $0.frame.map { String($0).count } }.max() ?? 0
                for e in f.evidence {
                    let frame = e.frame.map { "frame " + String(repeating: " ", count: fw - String($0).count) + String($0) } ?? String(repeating: " ", count: fw > 0 ? fw + 6 : 0)
                    s += wrap(v(e.label) + ": " + v(e.value), indent: ind + "    " + String(repeating: " ", count: frame.isEmpty ? 0 : frame.count + 2),
                              first: ind + "    " + (frame.isEmpty ? "" : frame + "  "))
                }
            }
            if !f.frames.isEmpty { s += ind + "  Frames: " + f.frames.map(String.init).joined(separator: ", ") + "\n" }
            if let note = f.confidenceNote { s += wrap(v(note), indent: ind + "        ", first: ind + "  Note: ") }
            if full {
                s += wrap(v(f.remediation), indent: ind + "       ", first: ind + "  " + style.bold("Fix:") + " ")
            }
        }
        let notes = ReportProse.captureNotes(c)
        if !notes.isEmpty {
            s += "\n  Capture notes:\n"
            for n in notes { s += wrap(v(n), indent: "      ", first: "    - ") }
        }
        return s
    }

    /// Word-wraps one paragraph (or several, on "\n") to `width`, ANSI codes counted as zero width.
    func wrap(_ text: String, indent: String, first: String? = nil) -> String {
        var out = ""
        var lead = first ?? indent
        for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = lead
            var lineLen = TextReport.visibleLength(lead)
            var empty = true
            for word in para.split(separator: " ", omittingEmptySubsequences: true) {
                let wl = TextReport.visibleLength(String(word))
                if !empty && lineLen + 1 + wl > width {
                    out += line + "\n"
                    line = indent; lineLen = indent.count; empty = true
                }
                if !empty { line += " "; lineLen += 1 }
                line += word; lineLen += wl; empty = false
            }
            out += line + "\n"
            lead = indent
        }
        return out
    }

    static func visibleLength(_ s: String) -> Int {
        var n = 0
        var inEscape = false
        for u in s.unicodeScalars {
            if inEscape { if u == "m" { inEscape = false }; continue }
            if u == "\u{1b}" { inEscape = true; continue }
            n += 1
        }
        return n
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

    /// Capture-controlled text for a terminal: control characters (ESC, CR, BEL, C1), line/paragraph
    /// separators and bidirectional overrides made visible as `\u{1b}` so a certificate name cannot
    /// move the cursor, recolour, retitle or reorder the screen. Newlines are kept (paragraphs).
    public static func visible(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x20 && v != 0x0a || v == 0x7f || (v >= 0x80 && v < 0xa0) || v == 0x2028 || v == 0x2029 || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069) || v == 0x200e || v == 0x200f || v == 0x061c {
                out += "\\u{\(String(v, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
