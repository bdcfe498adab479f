import WireCore
import Packets
import TLSWire
import Connections
import X509Inspect
import Diagnosis

/// `--format html`: one self-contained troubleshooting report (inline CSS and SVG, no script, no
/// external fetch; a Content-Security-Policy forbids both): header with inputs and counts, a verdict
/// per device, a table of connections, then a card per connection with the handshake as a ladder
/// diagram, the findings (root cause first, consequences indented), the certificate chains and the
/// capture-quality notes. Prints on paper (cards avoid page breaks).
///
/// Every capture-derived string goes through `HTMLEscape.text` (also inside SVG `<text>`).
public final class HTMLReport: ReportRenderer {
    let out: OutputSink
    let redacted: Bool
    var listed = ConnectionRows(limit: 5_000)
    public var okRowLimit: Int { get { listed.okLimit } set { listed.okLimit = newValue } }
    var cards: [String] = []
    /// Successful connections' cards come after the failed and warned ones.
    var successCards: [String] = []
    var devices = DeviceGrouper()
    var counts = OutcomeCounts()
    var nextID = 1
    var omittedCards = 0
    /// Full cards for failed/warned connections, and for the first successful ones.
    public var cardLimit = 300
    public var okCardLimit = 30
    public var rowLimit: Int { get { listed.limit } set { listed.limit = newValue } }
    var okCards = 0

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
            if okCards < okCardLimit {
                okCards += 1
                successCards.append(HTMLCard.render(ac, digest: d, compact: true))
            } else { omittedCards += 1 }
        } else if cards.count < cardLimit {
            cards.append(HTMLCard.render(ac, digest: d, compact: false))
        } else { omittedCards += 1 }
    }

    public func finish(inputs: [InputResult]) {
        out.write(render(inputs: inputs))
        out.flush()
    }

    typealias H = HTMLEscape

    public func render(inputs: [InputResult]) -> String {
        let names = inputs.map { ($0.path.split(separator: "/").last.map(String.init)) ?? $0.path }
        var s = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="\(ToolInfo.name) \(ToolInfo.version)">
        <title>TLS diagnosis: \(H.text(names.joined(separator: ", ")))</title>
        <style>\(HTMLStyle.css)</style>
        </head><body><main>

        """
        // Header
        s += "<header class=\"report\"><h1>TLS handshake diagnosis</h1>\n"
        s += "<p class=\"sub\">" + names.map(H.text).joined(separator: ", ") + "</p>\n"
        s += "<div class=\"pills\">"
        if counts.failed > 0 { s += "<span class=\"pill failed\">\(counts.failed) failed</span>" }
        if counts.warning > 0 { s += "<span class=\"pill warning\">\(counts.warning) with warnings</span>" }
        if counts.inconclusive > 0 { s += "<span class=\"pill inconclusive\">\(counts.inconclusive) inconclusive</span>" }
        if counts.ok > 0 { s += "<span class=\"pill ok\">\(counts.ok) OK</span>" }
        s += "<span class=\"pill total\">\(counts.total) connection\(counts.total == 1 ? "" : "s")</span></div>\n"
        s += "<table class=\"inputs\"><tr><th>Input</th><th>Capture</th></tr>\n"
        for r in inputs {
            s += "<tr><td class=\"mono\">" + H.text(r.path) + "</td><td" + (r.error != nil ? " class=\"bad\"" : "") + ">" + H.text(ReportProse.inputLine(r)) + "</td></tr>\n"
        }
        s += "</table>\n"
        if redacted {
            s += "<p class=\"redacted\">Redacted report: IP addresses, MAC addresses, host names, certificate serials and fingerprints are replaced by consistent pseudonyms.</p>\n"
        }
        s += "</header>\n"

        // Input-level findings
        for r in inputs where !r.findings.isEmpty {
            s += "<section class=\"card\"><h2>" + H.text(r.path) + "</h2>\n"
            for f in r.findings { s += HTMLCard.finding(f, index: 0, root: true) }
            s += "</section>\n"
        }
        guard counts.total > 0 else {
            if inputs.allSatisfy({ $0.error == nil }) { s += "<p>No TCP connections found.</p>\n" }
            return s + "</main></body></html>\n"
        }

        // Devices
        s += "<section class=\"devices\"><h2>Verdict by device</h2>\n"
        for dev in devices.ordered {
            s += "<div class=\"device \(dev.status.rawValue)\"><div class=\"devhead\"><span class=\"badge \(dev.status.rawValue)\">" + statusWord(dev.status) + "</span> "
            s += "<strong class=\"mono\">" + H.text(dev.ip) + "</strong>"
            if let mac = dev.mac { s += " <span class=\"mono dim\">" + H.text(mac) + "</span>" }
            if let v = dev.vendor { s += " <span class=\"dim\">" + H.text(v) + "</span>" }
            s += " <span class=\"dim\">· \(dev.connections.count) connection\(dev.connections.count == 1 ? "" : "s")</span></div>\n<ul>"
            for p in dev.parts.sorted(by: { $0.status > $1.status }) {
                s += "<li><span class=\"badge small \(p.status.rawValue)\">" + statusWord(p.status) + "</span> <strong>" + H.text(p.subject) + "</strong> " + H.text(p.result)
                if let rule = p.causeRule { s += " <span class=\"rule\">" + H.text(rule) + "</span>" }
                s += "</li>\n"
            }
            s += "</ul></div>\n"
        }
        if let note = devices.unlistedNote { s += "<p class=\"dim\">" + H.text(note) + "</p>\n" }
        s += "</section>\n"

        // Table
        s += "<section class=\"summary\"><h2>Connections</h2>\n<table class=\"conns\"><thead><tr><th>#</th><th>Client</th><th>Server</th><th>SNI</th><th>Version</th><th>Cipher</th><th>Outcome</th><th>Root cause</th></tr></thead><tbody>\n"
        for d in listed.rows {
            s += "<tr class=\"\(d.status.rawValue)\"><td><a href=\"#conn-\(d.id)\">\(d.id)</a></td><td class=\"mono\">" + H.text(d.client) + "</td><td class=\"mono\">" + H.text(d.server)
            s += "</td><td class=\"mono\">" + H.text(d.sni ?? "–") + "</td><td>" + H.text(d.version ?? "–") + "</td><td class=\"cipher\">" + H.text(d.cipher ?? "–").replacingOccurrences(of: "_", with: "_<wbr>")
            s += "</td><td><span class=\"badge small \(d.status.rawValue)\">" + H.text(d.outcome.rawValue.replacingUnderscores()) + "</span></td><td class=\"rule\">" + H.text(d.rootRule ?? "") + "</td></tr>\n"
        }
        s += "</tbody></table>"
        if let more = listed.unlisted(of: counts) { s += "<p class=\"dim\">" + more + " are not listed (see the JSON output).</p>" }
        s += "</section>\n"

        s += "<section class=\"connections\"><h2>Connections in detail</h2>\n"
        for c in cards + successCards { s += c }
        if omittedCards > 0 { s += "<p class=\"dim\">\(omittedCards) more connections are not shown in detail (see the table above and the JSON output).</p>\n" }
        s += "</section>\n"
        s += "<footer>Generated by \(ToolInfo.name) \(ToolInfo.version). Frame numbers count from 1, as in Wireshark.</footer>\n"
        s += "</main></body></html>\n"
        return s
    }

    func statusWord(_ s: ConnectionDigest.Status) -> String {
        switch s { case .ok: "OK"; case .warning: "Warning"; case .inconclusive: "Note"; case .failed: "Failed" }
    }
}

/// One connection's card.
enum HTMLCard {
    typealias H = HTMLEscape

    static func render(_ ac: AnalyzedConnection, digest d: ConnectionDigest, compact: Bool) -> String {
        let c = ac.connection
        var s = "<article class=\"card \(d.status.rawValue)\" id=\"conn-\(d.id)\">\n"
        s += "<div class=\"cardhead\"><span class=\"num\">#\(d.id)</span> <span class=\"mono\">" + H.text(d.client) + "</span> → <span class=\"mono\">" + H.text(d.server) + "</span>"
        s += " <span class=\"svc\">" + H.text(d.service) + "</span>"
        s += "<span class=\"badge \(d.status.rawValue) right\">" + H.text(ConnectionDigest.outcomeWords(c.outcome)) + "</span></div>\n"
        s += "<p class=\"verdict\">" + H.text(ReportProse.verdict(ac, digest: d)) + "</p>\n"
        s += facts(ac, d)
        if compact {
            s += "<details><summary>Handshake and certificates</summary>\n"
            s += "<div class=\"ladderwrap\">" + Ladder.svg(ac) + "</div>\n"
            for chain in [ac.serverChain, ac.clientChain].compactMap({ $0 }) { s += chainHTML(chain) }
            s += "</details>\n</article>\n"
            return s
        }
        // Findings
        if !ac.findings.isEmpty {
            s += "<div class=\"findings\">\n"
            for (i, f) in ac.findings.enumerated() { s += finding(f, index: i, root: i == 0) }
            s += "</div>\n"
        }
        s += "<h3>Handshake</h3>\n<div class=\"ladderwrap\">" + Ladder.svg(ac) + "</div>\n"
        if let p = c.tls.clientPlaintext ?? c.tls.serverPlaintext {
            let who = c.tls.clientPlaintext != nil ? "client" : "server"
            let proto = PlaintextProtocol.guess(p.value).map { " (" + $0 + ")" } ?? ""
            s += "<h3>Plaintext from the \(who)\(H.text(proto)), frame \(p.frame)</h3>\n<pre class=\"plain\">" + H.text(PlaintextProtocol.printable(Array(p.value.prefix(512))))
                // The preview shows "\\n" for a line feed; in a <pre> the line also breaks there.
                .replacingOccurrences(of: "\\n", with: "\\n\n") + "</pre>\n"
        }
        for chain in [ac.serverChain, ac.clientChain].compactMap({ $0 }) { s += chainHTML(chain) }
        let notes = ReportProse.captureNotes(c)
        if !notes.isEmpty {
            s += "<div class=\"notes\"><h3>Capture quality</h3><ul>" + notes.map { "<li>" + H.text($0) + "</li>" }.joined() + "</ul></div>\n"
        }
        s += "</article>\n"
        return s
    }

    static func facts(_ ac: AnalyzedConnection, _ d: ConnectionDigest) -> String {
        let c = ac.connection
        var items: [(String, String)] = []
        items.append(("Start", ReportProse.date(c.startTime)))
        items.append(("Frames", "\(c.firstFrame)–\(c.lastFrame)"))
        if let sni = d.sni { items.append(("SNI", sni)) }
        if let v = d.version { items.append(("Version", v)) }
        if let ci = d.cipher { items.append(("Cipher", ci)) }
        if let g = c.tls.group { items.append(("Group", g.description)) }
        if let a = c.tls.alpn { items.append(("ALPN", a)) }
        if c.tls.certificateRequest != nil {
            let sent = c.tls.clientCertificate.map { $0.value.certificates.isEmpty ? "requested, none sent" : "requested and sent" } ?? "requested"
            items.append(("Client certificate", sent))
        }
        if let mac = c.clientMAC, !mac.isZero { items.append(("Client MAC", mac.description)) }
        if let p = ac.profile { items.append(("Vendor profile", p)) }
        return "<dl class=\"facts\">" + items.map { "<div><dt>" + H.text($0.0) + "</dt><dd>" + H.text($0.1) + "</dd></div>" }.joined() + "</dl>\n"
    }

    static func finding(_ f: Finding, index: Int, root: Bool) -> String {
        let cls = root ? "finding root" : "finding consequence"
        var s = "<div class=\"\(cls) sev-\(f.severity.rawValue)\">\n"
        s += "<div class=\"fhead\"><span class=\"rule\">" + H.text(f.rule.rawValue) + "</span> <span class=\"sev \(f.severity.rawValue)\">" + f.severity.rawValue + "</span>"
        s += " <span class=\"dim\">" + f.confidence.rawValue + " confidence · " + H.text(ReportProse.relation(f, index: index)) + "</span></div>\n"
        s += "<h4>" + H.text(f.title) + "</h4>\n"
        s += "<p>" + H.multiline(f.explanation) + "</p>\n"
        if let note = f.confidenceNote { s += "<p class=\"note\">Confidence: " + H.multiline(note) + "</p>\n" }
        let full = root || f.followsFrom == nil
        if full && f.severity >= .warning || root {
            if !f.evidence.isEmpty {
                s += "<table class=\"evidence\"><tr><th>Frame</th><th>Evidence</th><th></th></tr>"
                for e in f.evidence {
                    s += "<tr><td class=\"num\">" + (e.frame.map(String.init) ?? "") + "</td><td>" + H.text(e.label) + "</td><td>" + H.multiline(e.value) + "</td></tr>"
                }
                s += "</table>\n"
            }
            if !f.frames.isEmpty && f.evidence.isEmpty { s += "<p class=\"dim\">Frames " + f.frames.map(String.init).joined(separator: ", ") + "</p>\n" }
            if f.severity >= .warning || root {
                s += "<div class=\"fix\"><strong>Fix</strong><p>" + H.multiline(f.remediation) + "</p></div>\n"
            }
        } else if !f.frames.isEmpty {
            s += "<p class=\"dim\">Frames " + f.frames.map(String.init).joined(separator: ", ") + "</p>\n"
        }
        s += "</div>\n"
        return s
    }

    static func chainHTML(_ r: ChainReport) -> String {
        let good = r.verdict.status == .trusted && r.verdict.issues.isEmpty
        // Untrusted by the analyst's system store is weaker evidence than by the device's own store (--client-trust).
        let systemStore = r.verdict.storeLabel?.hasPrefix("system") ?? false
        let cls = r.verdict.status == .untrusted ? (systemStore ? "warning" : "failed") : (good ? "ok" : (r.verdict.issues.isEmpty ? "inconclusive" : "warning"))
        var s = "<div class=\"chain\"><h3>" + ReportProse.chainTitle(r) + " <span class=\"dim\">frame \(r.frame)</span> "
        s += "<span class=\"badge small \(cls)\">" + H.text(ReportProse.chainVerdict(r)) + "</span></h3>\n"
        s += "<ol class=\"certs\" start=\"0\">\n"
        for (i, cert) in r.certificates.enumerated() {
            guard let c = cert.summary else {
                s += "<li class=\"cert\"><p class=\"bad\">Certificate \(i): could not be decoded (\(cert.der.count) bytes)" + (cert.decodeError.map { ": " + H.text($0) } ?? "") + "</p></li>\n"
                continue
            }
            let validity = ReportProse.validity(c, at: r.judgedAt)
            s += "<li class=\"cert\"><div class=\"subject\">" + H.text(c.subject) + "</div>\n<table class=\"kv\">"
            s += row("Issuer", H.text(c.issuer) + (c.isSelfSigned ? " <span class=\"badge small warning\">self-signed</span>" : ""))
            var vtext = H.text(ReportProse.day(c.notBefore)) + " → " + H.text(ReportProse.day(c.notAfter))
            switch validity {
            case .valid: vtext += " <span class=\"badge small ok\">valid at capture time</span>"
            case .expired: vtext += " <span class=\"badge small failed\">EXPIRED at capture time (" + ReportProse.day(r.judgedAt) + ")</span>"
            case .notYetValid: vtext += " <span class=\"badge small failed\">NOT YET VALID at capture time (" + ReportProse.day(r.judgedAt) + ")</span>"
            }
            s += row("Validity", vtext)
            s += row("Key", H.text(ReportProse.key(c)) + " · " + H.text(c.signatureAlgorithm) + (c.isCA ? " · CA" : ""))
            if let sans = ReportProse.sans(c, limit: 20) { s += row("SAN", "<span class=\"mono\">" + H.text(sans) + "</span>") }
            if !c.extendedKeyUsage.isEmpty { s += row("EKU", H.text(c.extendedKeyUsage.joined(separator: ", "))) }
            s += row("Serial", "<span class=\"mono\">" + H.text(c.serial) + "</span>")
            s += row("SHA-256", "<span class=\"mono small\">" + H.text(c.sha256) + "</span>")
            s += "</table></li>\n"
        }
        s += "</ol>\n"
        let notes = ReportProse.chainNotes(r)
        if !r.verdict.issues.isEmpty || !notes.isEmpty {
            s += "<ul class=\"issues\">"
            for i in r.verdict.issues {
                s += "<li><span class=\"rule\">" + H.text(i.kind.rawValue) + "</span> " + (i.certificateIndex.map { "certificate \($0): " } ?? "") + H.text(i.detail) + "</li>"
            }
            for n in notes { s += "<li>" + H.text(n) + "</li>" }
            s += "</ul>\n"
        }
        s += "</div>\n"
        return s
    }

    static func row(_ k: String, _ v: String) -> String { "<tr><th>" + k + "</th><td>" + v + "</td></tr>" }
}

/// The handshake as an SVG sequence diagram: client and server lifelines, one arrow per transcript
/// entry with frame number, time since the first packet and message name; alerts red, RST/FIN
/// marked, capture gaps as a dashed band. Rows cited by the root cause are highlighted.
enum Ladder {
    typealias H = HTMLEscape
    static let width = 760.0
    static let clientX = 200.0
    static let serverX = 700.0
    static let rowH = 26.0
    static let top = 58.0
    static let maxRows = 80

    static func svg(_ ac: AnalyzedConnection) -> String {
        let c = ac.connection
        let entries = rows(c)
        let shown = Array(entries.prefix(maxRows))
        let extra = entries.count - shown.count + (c.transcriptTruncated ? 1 : 0)
        let rows = shown.count + (extra > 0 ? 1 : 0)
        let height = top + Double(max(rows, 1)) * rowH + 16
        let highlight = Set(ac.rootCause?.frames ?? [])
        var s = "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Handshake ladder diagram\">\n"
        // Column heads
        s += "<text x=\"40\" y=\"18\" class=\"lh\" text-anchor=\"middle\">frame</text><text x=\"100\" y=\"18\" class=\"lh\" text-anchor=\"middle\">time</text>\n"
        s += head(x: clientX, title: "Client", addr: c.client.description)
        s += head(x: serverX, title: "Server", addr: c.server.description)
        s += "<line x1=\"\(clientX)\" y1=\"\(top - 10)\" x2=\"\(clientX)\" y2=\"\(height - 6)\" class=\"life\"/>\n"
        s += "<line x1=\"\(serverX)\" y1=\"\(top - 10)\" x2=\"\(serverX)\" y2=\"\(height - 6)\" class=\"life\"/>\n"
        if shown.isEmpty {
            s += "<text x=\"\((clientX + serverX) / 2)\" y=\"\(top + 14)\" text-anchor=\"middle\" class=\"dim\">no packets in the transcript</text>\n"
        }
        for (i, e) in shown.enumerated() {
            let y = top + Double(i) * rowH + rowH / 2
            if highlight.contains(e.frame) {
                s += "<rect x=\"4\" y=\"\(y - rowH / 2 + 1)\" width=\"\(width - 8)\" height=\"\(rowH - 2)\" class=\"hl\"/>\n"
            }
            s += "<text x=\"58\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"fr\">\(e.frame)</text>"
            s += "<text x=\"128\" y=\"\(y + 4)\" text-anchor=\"end\" class=\"tm\">" + H.text(ReportProse.relative(e.time, from: c.startTime)) + "</text>\n"
            let (name, detail) = TranscriptText.describe(e.event)
            let label = detail.map { name + " · " + $0 } ?? name
            let cls = klass(e.event)
            if case .gap = e.event {
                s += "<rect x=\"\(clientX)\" y=\"\(y - 8)\" width=\"\(serverX - clientX)\" height=\"16\" class=\"gap\"/>"
                s += "<text x=\"\((clientX + serverX) / 2)\" y=\"\(y + 4)\" text-anchor=\"middle\" class=\"gapt\">" + H.text(clip(label + " (" + e.sender.rawValue + " → " + e.sender.other.rawValue + ")", 80)) + "</text>\n"
                continue
            }
            let (x1, x2) = e.sender == .client ? (clientX, serverX) : (serverX, clientX)
            let dir = x2 > x1 ? 1.0 : -1.0
            let tip = x2 - dir * 2
            s += "<line x1=\"\(x1)\" y1=\"\(y + 6)\" x2=\"\(tip - dir * 8)\" y2=\"\(y + 6)\" class=\"ar \(cls)\"/>"
            s += "<polygon points=\"\(tip),\(y + 6) \(tip - dir * 9),\(y + 2) \(tip - dir * 9),\(y + 10)\" class=\"ah \(cls)\"/>"
            s += "<text x=\"\((clientX + serverX) / 2)\" y=\"\(y + 1)\" text-anchor=\"middle\" class=\"lbl \(cls)\">" + H.text(clip(label, 78)) + "</text>\n"
            if cls == "rst" || cls == "fin" {
                let ex = x1
                s += "<text x=\"\(ex + (dir > 0 ? -8 : 8))\" y=\"\(y + 10)\" text-anchor=\"\(dir > 0 ? "end" : "start")\" class=\"mark \(cls)\">\(cls == "rst" ? "✕" : "■")</text>\n"
            }
        }
        if extra > 0 {
            let y = top + Double(shown.count) * rowH + rowH / 2
            s += "<text x=\"\((clientX + serverX) / 2)\" y=\"\(y + 4)\" text-anchor=\"middle\" class=\"dim\">… \(extra) more transcript entr\(extra == 1 ? "y" : "ies") not drawn</text>\n"
        }
        s += "</svg>"
        return s
    }

    /// The transcript, plus a gap row for each TCP gap the transcript does not already show
    /// (a gap inside a flight may leave no event of its own).
    struct Row { var frame: Int; var time: Timestamp; var sender: Side; var event: TranscriptEntry.Event }

    static func rows(_ c: Connection) -> [Row] {
        // In frame order: a direction's events can be appended late (after a gap, at the end of the capture).
        var entries = c.transcript.enumerated().sorted { ($0.element.frame, $0.offset) < ($1.element.frame, $1.offset) }
            .map { Row(frame: $0.element.frame, time: $0.element.time, sender: $0.element.sender, event: $0.element.event) }
        let shownGaps = Set(entries.compactMap { e -> Int? in if case .gap = e.event { return e.frame } else { return nil } })
        let missing = c.tcp.gaps.filter { !shownGaps.contains($0.frame) }
        guard !missing.isEmpty else { return entries }
        for g in missing.prefix(20) {
            let at = entries.lastIndex { $0.frame <= g.frame }.map { $0 + 1 } ?? 0
            let time = at > 0 ? entries[at - 1].time : c.startTime
            entries.insert(Row(frame: g.frame, time: time, sender: g.side, event: .gap(bytes: g.bytes)), at: at)
        }
        return entries
    }

    static func head(x: Double, title: String, addr: String) -> String {
        "<text x=\"\(x)\" y=\"18\" text-anchor=\"middle\" class=\"colh\">" + title + "</text>" +
        "<text x=\"\(x)\" y=\"34\" text-anchor=\"middle\" class=\"addr\">" + H.text(addr) + "</text>\n"
    }

    static func klass(_ e: TranscriptEntry.Event) -> String {
        switch e {
        case .alert, .encryptedAlert: return "alert"
        case .rst: return "rst"
        case .fin: return "fin"
        case .syn, .synAck: return "tcp"
        case .applicationData, .heartbeat: return "data"
        case .plaintext, .malformedHandshake: return "odd"
        case .encryptedHandshake, .changeCipherSpec: return "enc"
        case .gap, .resynchronized: return "gapev"
        default: return "hs"
        }
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}

/// HTML escaping for capture-derived text.
public enum HTMLEscape {
    /// `&<>"'` escaped; control characters and bidi overrides shown as visible `\u{…}` escapes
    /// (an ESC or RLO in a certificate name must not hide or reorder text).
    public static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                let v = scalar.value
                if (v < 0x20 && v != 0x0a && v != 0x09) || v == 0x7f || (v >= 0x80 && v < 0xa0) || v == 0x2028 || v == 0x2029
                    || (v >= 0x202a && v <= 0x202e) || (v >= 0x2066 && v <= 0x2069) || v == 0x200e || v == 0x200f || v == 0x061c {
                    out += "\\u{\(String(v, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escaped, with our own line breaks kept as `<br>`.
    public static func multiline(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: true).map { text(String($0)) }.joined(separator: "<br>")
    }
}

enum HTMLStyle {
    static let css = """
    :root { --fail:#c62828; --warn:#a35f00; --ok:#2e7d32; --unc:#5f6b7a; --ink:#1d232b; --dim:#5f6b7a; --line:#d7dce2; --bg:#f5f7f9; }
    * { box-sizing: border-box; }
    body { margin:0; background:var(--bg); color:var(--ink); font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
    main { max-width:1120px; margin:0 auto; padding:20px 24px 40px; }
    h1 { font-size:24px; margin:0 0 2px; } h2 { font-size:18px; margin:28px 0 10px; } h3 { font-size:15px; margin:18px 0 8px; } h4 { font-size:15px; margin:4px 0 6px; }
    .mono, .cipher, .rule, pre { font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace; }
    .mono { font-size:13px; } .small { font-size:11px; } .dim { color:var(--dim); } .bad { color:var(--fail); }
    header.report { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 20px; }
    .sub { margin:0 0 10px; color:var(--dim); }
    .pills { display:flex; gap:8px; flex-wrap:wrap; margin-bottom:10px; }
    .pill { padding:3px 12px; border-radius:999px; font-weight:600; border:1px solid; }
    .pill.failed { color:var(--fail); border-color:var(--fail); background:#fdecec; } .pill.warning { color:var(--warn); border-color:var(--warn); background:#fff4e0; }
    .pill.ok { color:var(--ok); border-color:var(--ok); background:#eaf6ea; } .pill.inconclusive, .pill.total { color:var(--unc); border-color:var(--line); background:#fff; }
    table { border-collapse:collapse; } th { text-align:left; font-weight:600; }
    table.inputs td, table.inputs th { padding:2px 14px 2px 0; vertical-align:top; }
    .redacted { margin:10px 0 0; padding:6px 10px; background:#fff8d6; border:1px solid #e6d27a; border-radius:6px; }
    .badge { display:inline-block; padding:1px 9px; border-radius:4px; font-weight:600; font-size:12px; color:#fff; white-space:nowrap; }
    .badge.small { font-size:11px; padding:0 6px; }
    .badge.failed { background:var(--fail); } .badge.warning { background:var(--warn); } .badge.ok { background:var(--ok); } .badge.inconclusive { background:var(--unc); }
    .badge.right { float:right; }
    .device { background:#fff; border:1px solid var(--line); border-left:5px solid var(--unc); border-radius:6px; padding:10px 14px; margin-bottom:10px; break-inside:avoid; }
    .device.failed { border-left-color:var(--fail); } .device.warning { border-left-color:var(--warn); } .device.ok { border-left-color:var(--ok); }
    .device ul { margin:6px 0 0; padding-left:4px; list-style:none; } .device li { margin:3px 0; }
    .rule { font-size:12px; color:#37474f; background:#eceff1; border-radius:3px; padding:0 5px; }
    table.conns { width:100%; background:#fff; border:1px solid var(--line); font-size:13px; }
    table.conns th, table.conns td { padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
    table.conns thead th { background:#eef1f4; } table.conns td.cipher { font-size:11px; } table.conns td.rule { background:none; }
    table.conns td.mono { white-space:nowrap; } table.conns td:nth-child(7) { white-space:nowrap; }
    table.conns a { color:inherit; font-weight:600; } table.conns td.rule { white-space:nowrap; }
    .card { background:#fff; border:1px solid var(--line); border-left:6px solid var(--unc); border-radius:8px; padding:14px 18px; margin:0 0 18px; break-inside:avoid; page-break-inside:avoid; }
    .card.failed { border-left-color:var(--fail); } .card.warning { border-left-color:var(--warn); } .card.ok { border-left-color:var(--ok); }
    .cardhead { font-size:15px; } .cardhead .num { font-weight:700; margin-right:4px; } .svc { color:var(--dim); margin-left:8px; }
    .verdict { font-size:16px; font-weight:600; margin:8px 0; }
    dl.facts { display:flex; flex-wrap:wrap; gap:4px 22px; margin:6px 0 10px; font-size:13px; }
    dl.facts div { display:flex; gap:6px; } dl.facts dt { color:var(--dim); } dl.facts dd { margin:0; }
    .finding { border:1px solid var(--line); border-radius:6px; padding:10px 14px; margin:10px 0; break-inside:avoid; }
    .finding.root { border-width:2px; border-color:var(--fail); background:#fffafa; }
    .finding.root.sev-warning { border-color:var(--warn); background:#fffcf5; } .finding.root.sev-info { border-color:var(--ok); background:#fbfefb; }
    .finding.consequence { margin-left:32px; font-size:13px; background:#fafbfc; }
    .finding p { margin:4px 0; }
    .sev { font-size:11px; font-weight:700; text-transform:uppercase; padding:0 5px; border-radius:3px; color:#fff; }
    .sev.error { background:var(--fail); } .sev.warning { background:var(--warn); } .sev.info { background:var(--ok); }
    .note { color:var(--dim); font-style:italic; }
    table.evidence { width:100%; margin:8px 0; font-size:13px; }
    table.evidence th { color:var(--dim); font-weight:600; border-bottom:1px solid var(--line); padding:2px 8px 2px 0; }
    table.evidence td { padding:3px 10px 3px 0; vertical-align:top; border-bottom:1px dotted var(--line); }
    table.evidence td.num { width:48px; text-align:right; font-family:ui-monospace,monospace; padding-right:14px; }
    table.evidence td:nth-child(2) { white-space:nowrap; color:var(--dim); padding-right:16px; } table.evidence td:last-child { width:100%; }
    .fix { background:#eef7ee; border:1px solid #b9dcb9; border-radius:6px; padding:8px 12px; margin-top:8px; }
    .fix p { margin:2px 0 0; }
    .ladderwrap { overflow-x:auto; }
    svg.ladder { max-width:100%; height:auto; background:#fcfdfe; border:1px solid var(--line); border-radius:6px; }
    svg.ladder text { font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif; font-size:12px; fill:var(--ink); }
    svg.ladder .colh { font-weight:700; font-size:13px; } svg.ladder .addr { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:11px; fill:var(--dim); }
    svg.ladder .lh { fill:var(--dim); font-size:11px; }
    svg.ladder .fr, svg.ladder .tm { font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:11px; fill:var(--dim); }
    svg.ladder .life { stroke:#9aa5b1; stroke-width:2; }
    svg.ladder .ar { stroke:#3b4a5a; stroke-width:1.6; } svg.ladder .ah { fill:#3b4a5a; }
    svg.ladder .ar.alert, svg.ladder .ar.rst { stroke:var(--fail); stroke-width:2.2; } svg.ladder .ah.alert, svg.ladder .ah.rst { fill:var(--fail); }
    svg.ladder .lbl.alert, svg.ladder .lbl.rst, svg.ladder .mark.rst { fill:var(--fail); font-weight:700; }
    svg.ladder .ar.rst { stroke-dasharray:6 3; }
    svg.ladder .ar.fin, svg.ladder .ar.tcp { stroke:#8a96a3; } svg.ladder .ah.fin, svg.ladder .ah.tcp { fill:#8a96a3; } svg.ladder .lbl.fin, svg.ladder .lbl.tcp, svg.ladder .mark.fin { fill:#5f6b7a; }
    svg.ladder .ar.data { stroke:#8a96a3; stroke-dasharray:2 3; } svg.ladder .ah.data { fill:#8a96a3; } svg.ladder .lbl.data { fill:#5f6b7a; font-style:italic; }
    svg.ladder .ar.enc { stroke:#4b5d9a; } svg.ladder .ah.enc { fill:#4b5d9a; } svg.ladder .lbl.enc { fill:#4b5d9a; }
    svg.ladder .ar.odd { stroke:var(--warn); stroke-width:2; } svg.ladder .ah.odd { fill:var(--warn); } svg.ladder .lbl.odd { fill:var(--warn); font-weight:700; }
    svg.ladder .ar.gapev { stroke:#8a96a3; stroke-dasharray:4 4; } svg.ladder .ah.gapev { fill:#8a96a3; }
    svg.ladder .gap { fill:#f1f3f5; stroke:#8a96a3; stroke-dasharray:5 4; } svg.ladder .gapt { fill:#5f6b7a; font-style:italic; }
    svg.ladder .hl { fill:#fff1c2; }
    .chain { margin-top:14px; }
    ol.certs { margin:4px 0; padding-left:22px; } li.cert { margin:6px 0 10px; }
    .subject { font-weight:600; font-family:ui-monospace,"DejaVu Sans Mono",monospace; font-size:13px; word-break:break-all; }
    table.kv th { color:var(--dim); font-weight:500; padding:1px 12px 1px 0; vertical-align:top; white-space:nowrap; font-size:12px; }
    table.kv td { padding:1px 0; font-size:13px; word-break:break-word; }
    ul.issues { margin:4px 0; padding-left:20px; font-size:13px; }
    .notes { background:#f7f8fa; border:1px dashed var(--line); border-radius:6px; padding:4px 14px; margin-top:12px; }
    .notes ul { margin:4px 0 8px; padding-left:18px; font-size:13px; }
    pre.plain { background:#f7f8fa; border:1px solid var(--line); padding:8px; white-space:pre-wrap; word-break:break-all; font-size:12px; }
    details summary { cursor:pointer; color:var(--dim); margin:4px 0; }
    footer { margin-top:30px; color:var(--dim); font-size:12px; }
    @media print {
      body { background:#fff; font-size:11pt; } main { max-width:none; padding:0; }
      header.report, .card, .device, table.conns { border-color:#999; }
      .card, .device, .finding, .chain, svg.ladder { break-inside:avoid; page-break-inside:avoid; }
      h2, h3 { break-after:avoid; page-break-after:avoid; }
      table.conns { font-size:8pt; } table.conns td, table.conns th { padding:3px 4px; } table.conns td.cipher { font-size:7pt; }
      table.conns td.rule { white-space:normal; } table.conns td.mono, table.conns td.rule { font-size:7pt; }
      .card { padding:8px 12px; } .finding { padding:6px 10px; } svg.ladder { max-width:90%; }
      details { display:block; } details > summary { display:none; }
      a { color:inherit; text-decoration:none; }
      * { -webkit-print-color-adjust:exact; print-color-adjust:exact; }
    }
    """
}
