import WireCore
import Connections
import X509Inspect
import Diagnosis

/// `--format markdown`: a report to paste into a ticket (GitHub/GitLab-flavoured Markdown): summary,
/// per-device verdicts, a table of connections, then per failed or warned connection the verdict,
/// an evidence table, the fix and the certificate chains as lists.
///
/// Every string that is not our own markup goes through `MarkdownEscape.inline` / `.paragraph`:
/// certificate names and SNI are attacker-controlled and must not become links, tables, headings
/// or HTML in the ticket system.
public final class MarkdownReport: ReportRenderer {
    let out: OutputSink
    let redacted: Bool
    var listed = ConnectionRows(limit: 2_000)
    public var okRowLimit: Int { get { listed.okLimit } set { listed.okLimit = newValue } }
    var details: [(ConnectionDigest, AnalyzedConnection)] = []
    var successes: [ConnectionDigest] = []
    var successTitles: [String] = []
    var omittedDetails = 0
    var devices = DeviceGrouper()
    var counts = OutcomeCounts()
    var nextID = 1
    public var detailLimit = 200
    public var successLimit = 30
    var omittedSuccesses = 0
    public var rowLimit: Int { get { listed.limit } set { listed.limit = newValue } }

    public init(out: OutputSink, redacted: Bool = false) {
        self.out = out
        self.redacted = redacted
    }

    public func begin() {}

    public func connection(_ ac: AnalyzedConnection) {
        let d = ConnectionDigest(ac, id: nextID)
        nextID += 1
        counts.add(d.status)
        devices.add(d)
        listed.add(d)
        if d.status == .ok {
            if successes.count < successLimit { successes.append(d); successTitles.append(ac.rootCause?.title ?? "Handshake completed") }
            else { omittedSuccesses += 1 }
        } else if details.count < detailLimit {
            details.append((d, ac))
        } else {
            omittedDetails += 1
        }
    }

    public func finish(inputs: [InputResult]) {
        out.write(render(inputs: inputs))
        out.flush()
    }

    typealias E = MarkdownEscape

    public func render(inputs: [InputResult]) -> String {
        var s = "# TLS diagnosis: " + inputs.map { E.inline(lastPathComponent($0.path)) }.joined(separator: ", ") + "\n\n"
        s += "**" + counts.sentence + "**\n\n"
        if redacted { s += "> Redacted report: IP addresses, MAC addresses, host names, certificate serials and fingerprints are replaced by pseudonyms.\n\n" }
        for r in inputs {
            s += "- Input " + E.inline(r.path) + ": " + E.inline(ReportProse.inputLine(r)) + "\n"
        }
        s += "\n"
        for r in inputs {
            for f in r.findings {
                s += "**" + severityWord(f.severity) + " `" + f.rule.rawValue + "`: " + E.inline(f.title) + "**\n\n"
                s += E.paragraph(f.explanation) + "\n\n"
                if !f.evidence.isEmpty { s += evidenceTable(f.evidence) + "\n" }
                s += "**Fix:** " + E.paragraph(f.remediation) + "\n\n"
            }
        }
        guard counts.total > 0 else {
            if inputs.allSatisfy({ $0.error == nil }) { s += "No TCP connections found.\n" }
            return s
        }

        s += "## Devices\n\n"
        for dev in devices.ordered {
            s += "- **" + E.inline(dev.ip) + "**"
            let extra = [dev.mac, dev.vendor].compactMap { $0 }
            if !extra.isEmpty { s += " (" + extra.map(E.inline).joined(separator: ", ") + ")" }
            s += ", \(dev.connections.count) connection\(dev.connections.count == 1 ? "" : "s")\n"
            for p in dev.parts.sorted(by: { $0.status > $1.status }) {
                s += "  - **" + statusWord(p.status) + "** " + E.inline(p.line) + "\n"
            }
        }
        if let note = devices.unlistedNote { s += "\n" + E.inline(note) + "\n" }
        s += "\n## Connections\n\n"
        s += "| # | Client | Server | SNI | Version | Cipher | Outcome | Root cause |\n"
        s += "|--:|---|---|---|---|---|---|---|\n"
        for d in listed.rows {
            let cells = [String(d.id), E.inline(d.client), E.inline(d.server), E.inline(d.sni ?? "–"), E.inline(d.version ?? "–"),
                         E.inline(d.cipher ?? "–"), "**" + statusWord(d.status) + "** " + E.inline(d.outcome.rawValue.replacingUnderscores()),
                         d.rootRule.map { "`\($0)`" } ?? "–"]
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        if let more = listed.unlisted(of: counts) { s += "\n" + more + " are not listed (see the JSON output).\n" }

        if !details.isEmpty { s += "\n## Failed and warned connections\n" }
        for (d, ac) in details { s += "\n" + detail(d, ac) }
        if omittedDetails > 0 { s += "\nDetails of \(omittedDetails) more connections are omitted (see the JSON output).\n" }
        if !successes.isEmpty {
            s += "\n## Successful connections\n\n"
            for (d, t) in zip(successes, successTitles) {
                s += "- #\(d.id) " + E.inline(d.client) + " → " + E.inline(d.server) + " (" + E.inline(d.service) + "): " + E.inline(t) + "\n"
            }
            if omittedSuccesses > 0 { s += "- … and \(omittedSuccesses) more successful connections\n" }
        }
        return s
    }

    func detail(_ d: ConnectionDigest, _ ac: AnalyzedConnection) -> String {
        let c = ac.connection
        var s = "### #\(d.id) " + E.inline(d.client) + " → " + E.inline(d.server) + " (" + E.inline(d.service) + "): "
        s += E.inline(ConnectionDigest.outcomeWords(c.outcome)) + "\n\n"
        var facts = ["frames \(c.firstFrame)–\(c.lastFrame)", ReportProse.date(c.startTime)]
        if let sni = d.sni { facts.insert("SNI " + sni, at: 0) }
        if let v = d.version { facts.append(v) }
        if let ci = d.cipher { facts.append(ci) }
        s += "_" + facts.map(E.inline).joined(separator: " · ") + "_\n\n"
        s += "**Verdict (" + statusWord(d.status) + "):** " + E.inline(ReportProse.verdict(ac, digest: d)) + "\n\n"
        for (i, f) in ac.findings.enumerated() {
            if i == 0 {
                s += "**Root cause** `" + f.rule.rawValue + "` (" + f.severity.rawValue + ", " + f.confidence.rawValue + " confidence): "
                s += E.paragraph(f.explanation) + "\n\n"
                if let note = f.confidenceNote { s += "_Confidence:_ " + E.paragraph(note) + "\n\n" }
                if !f.evidence.isEmpty { s += evidenceTable(f.evidence) + "\n" }
                if !f.frames.isEmpty { s += "Frames: " + f.frames.map(String.init).joined(separator: ", ") + "\n\n" }
                s += "**Fix:** " + E.paragraph(f.remediation) + "\n\n"
            }
        }
        let rest = ac.findings.dropFirst()
        if !rest.isEmpty {
            s += "**Related findings:**\n\n"
            for f in rest {
                s += "- `" + f.rule.rawValue + "` (" + f.severity.rawValue + ")"
                if let r = f.followsFrom { s += ", follows from `" + r.rawValue + "`" }
                s += ": " + E.inline(f.title)
                if f.severity >= .warning {
                    s += ". " + E.inline(f.explanation)
                    if f.followsFrom == nil { s += " **Fix:** " + E.inline(f.remediation) }
                }
                s += "\n"
            }
            s += "\n"
        }
        for chain in [ac.serverChain, ac.clientChain].compactMap({ $0 }) { s += chainList(chain) }
        let notes = ReportProse.captureNotes(c)
        if !notes.isEmpty {
            s += "**Capture notes:**\n\n"
            for n in notes { s += "- " + E.inline(n) + "\n" }
            s += "\n"
        }
        return s
    }

    func evidenceTable(_ ev: [Evidence]) -> String {
        var s = "| Evidence | Value | Frame |\n|---|---|--:|\n"
        for e in ev { s += "| " + E.inline(e.label) + " | " + E.inline(e.value) + " | " + (e.frame.map(String.init) ?? "") + " |\n" }
        return s
    }

    func chainList(_ r: ChainReport) -> String {
        var s = "**" + ReportProse.chainTitle(r) + "** (frame \(r.frame)): " + E.inline(ReportProse.chainVerdict(r)) + "\n\n"
        for (i, cert) in r.certificates.enumerated() {
            guard let c = cert.summary else {
                s += "\(i). undecodable certificate (\(cert.der.count) bytes)" + (cert.decodeError.map { ": " + E.inline($0) } ?? "") + "\n"
                continue
            }
            s += "\(i). **" + E.inline(c.subject) + "**  \n"
            var facts = ["issued by " + c.issuer, ReportProse.validityText(c, at: r.judgedAt), ReportProse.key(c), c.signatureAlgorithm]
            if c.isSelfSigned { facts.append("self-signed") }
            if c.isCA { facts.append("CA") }
            facts.append("serial " + c.serial)
            s += "   " + facts.map(E.inline).joined(separator: "; ") + "  \n"
            if let sans = ReportProse.sans(c) { s += "   SAN: " + E.inline(sans) + "  \n" }
            s += "   SHA-256 " + E.inline(c.sha256) + "\n"
        }
        let issues = r.verdict.issues
        let notes = ReportProse.chainNotes(r)
        if !issues.isEmpty || !notes.isEmpty {
            s += "\n"
            for i in issues {
                s += "- Issue `" + i.kind.rawValue + "`" + (i.certificateIndex.map { " (certificate \($0))" } ?? "") + ": " + E.inline(i.detail) + "\n"
            }
            for n in notes { s += "- " + E.inline(n) + "\n" }
        }
        return s + "\n"
    }

    func statusWord(_ s: ConnectionDigest.Status) -> String {
        switch s { case .ok: "OK"; case .warning: "WARN"; case .inconclusive: "NOTE"; case .failed: "FAIL" }
    }
    func severityWord(_ s: Severity) -> String {
        switch s { case .error: "Error"; case .warning: "Warning"; case .info: "Info" }
    }
    func lastPathComponent(_ p: String) -> String { p.split(separator: "/").last.map(String.init) ?? p }
}

/// Markdown escaping for capture-derived text (CommonMark / GFM).
public enum MarkdownEscape {
    /// Characters with a meaning in CommonMark/GFM inline syntax or tables, backslash-escaped
    /// (CommonMark allows a backslash before any ASCII punctuation).
    static let special: Set<UInt8> = Set("\\`*_[]<>|#~&@".utf8)

    /// One line (table cells, list items, headings): newlines and other control characters become
    /// visible escapes, Markdown punctuation is backslash-escaped.
    public static func inline(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        let scalars = Array(s.unicodeScalars)
        for (i, scalar) in scalars.enumerated() {
            let v = scalar.value
            if v == 0x0a || v == 0x0d { out += " " ; continue }
            if v < 0x20 || v == 0x7f || (v >= 0x80 && v < 0xa0) || v == 0x2028 || v == 0x2029 || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069) {
                out += "\\\\u{\(String(v, radix: 16))}"
                continue
            }
            if v < 0x80, special.contains(UInt8(v)) { out += "\\" }
            // GFM extended autolinks ("https://…", "www.…"): escape the ':' of "://" and the '.' of "www."
            // so an attacker-chosen URL in a certificate does not become a clickable link.
            else if v == 0x3a, i + 2 < scalars.count, scalars[i + 1] == "/", scalars[i + 2] == "/" { out += "\\" }
            else if v == 0x2e, i >= 3, scalars[i - 3...i - 1].map({ Character($0).lowercased() }).joined() == "www" { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// Text that may hold several lines (our explanations and fixes): each line escaped as `inline`,
    /// a line that would start a list, quote or heading gets its first character escaped, and lines
    /// are joined with a hard line break.
    public static func paragraph(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: true).map { line -> String in
            var l = inline(String(line))
            while l.hasPrefix(" ") { l.removeFirst() }
            if let f = l.first, f == "-" || f == "+" || f == "=" { l = "\\" + l }
            else if let r = l.firstIndex(where: { !$0.isNumber }), r != l.startIndex, l[r] == "." || l[r] == ")" {
                l.insert("\\", at: r)
            }
            return l
        }.joined(separator: "  \n")
    }
}
