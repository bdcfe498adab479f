import Testing
import Foundation
@testable import Diagnosis
@testable import Connections
import Reports

/// Certificate names and SNI are attacker-controlled: each format must neutralise HTML, Markdown
/// syntax and terminal escape sequences in them. Tests use a hand-built connection (every field
/// hostile) and, when present, captures/hostile_names.pcap (a real certificate with such a CN).
struct EscapingTests {
    static let hostile = [Hostile.connection()]

    @Test func terminalOutputShowsEscapeSequencesInsteadOfSendingThem() {
        for colour in [false, true] {
            let out = Render.run("text", Self.hostile, color: colour)
            #expect(out.contains("<script>alert(1)</script>"))           // text is literal in a terminal
            #expect(out.contains("\\u{1b}[31m"))                          // ESC made visible
            // Only our own colour codes (ESC[..m from TerminalStyle) may contain a raw ESC.
            let raw = out.components(separatedBy: "\u{1b}").dropFirst()
            for piece in raw { #expect(piece.hasPrefix("[0m") || piece.hasPrefix("[1m") || piece.hasPrefix("[31m") || piece.hasPrefix("[32m") || piece.hasPrefix("[33m")) }
            if !colour { #expect(!out.contains("\u{1b}")) }
            // The hostile ESC[31m never appears raw: check the exact sequence right after the markdown part.
            #expect(!out.contains(Hostile.markdown + "\u{1b}"))
        }
    }

    @Test func markdownEscapesTablesEmphasisHTMLAndControlCharacters() {
        let out = Render.run("markdown", Self.hostile)
        #expect(!out.contains("<script>"))
        #expect(out.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(!out.contains(Hostile.markdown))
        #expect(out.contains("\\|\\*\\*x\\*\\*\\|"))
        #expect(!out.contains("\u{1b}"))
        // Every table row keeps its column count: the hostile '|' did not add cells.
        for line in out.split(separator: "\n") where line.hasPrefix("| ") {
            let unescaped = line.replacingOccurrences(of: "\\|", with: "")
            let cells = unescaped.count(of: "|")
            #expect(cells == 9 || cells == 4, "row with \(cells) pipes: \(line)")
        }
    }

    @Test func markdownRendersAsTextInAGitHubFlavouredRenderer() throws {
        let out = Render.run("markdown", Self.hostile)
        guard let html = try Python.run("""
            import sys, cmarkgfm
            print(cmarkgfm.github_flavored_markdown_to_html(sys.stdin.read(), options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE))
            """, stdin: out) else { return }   // cmarkgfm not installed: the literal checks above still ran
        #expect(!html.contains("<script"))
        #expect(!html.contains("<a href"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<strong>x</strong>"))
    }

    @Test func htmlEscapesEveryCaptureStringIncludingSVGText() {
        let out = Render.run("html", Self.hostile)
        #expect(!out.contains("<script"))
        #expect(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!out.contains("\u{1b}"))
        #expect(out.contains("\\u{1b}[31m"))
        // The ladder diagram is there, and its text is escaped too (the alert label names no capture
        // string, but the addresses and the SNI-bearing verdict are outside it; check a <text> element).
        #expect(out.contains("<svg class=\"ladder\""))
        let svg = out.components(separatedBy: "<svg class=\"ladder\"")[1].components(separatedBy: "</svg>")[0]
        #expect(!svg.contains("<script"))
        // No way to run code or fetch anything.
        #expect(out.contains("Content-Security-Policy"))
        #expect(!out.lowercased().contains("javascript:alert(1)\"") )
        #expect(!out.contains(" src="))
        #expect(!out.contains("<link"))
    }

    @Test func jsonEscapesControlCharactersAndStaysParseable() throws {
        let out = Render.run("json", Self.hostile)
        #expect(!out.contains("\u{1b}"))
        #expect(out.contains("\\u001b[31m"))
        let doc = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        let conn = (doc?["connections"] as? [[String: Any]])?.first
        let tls = conn?["tls"] as? [String: Any]
        #expect(tls?["server_name"] as? String == Hostile.name)   // the exact value survives the round trip
    }

    @Test func hostileCaptureIsEscapedInEveryFormat() throws {
        guard Fixtures.exists("hostile_names.pcap") else { return }
        let text = Render.capture("hostile_names.pcap", "text")
        let md = Render.capture("hostile_names.pcap", "markdown")
        let html = Render.capture("hostile_names.pcap", "html")
        let json = Render.capture("hostile_names.pcap", "json")
        #expect(text.contains("javascript:alert(1)"))
        #expect(!text.contains("\u{1b}"))
        #expect(!md.contains("<script>"))
        #expect(!md.contains("|**x**|"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!json.contains("\u{1b}"))
        _ = try JSONSerialization.jsonObject(with: Data(json.utf8))
    }
}

/// Runs a small Python program when python3 (and the modules it imports) is present.
enum Python {
    /// nil when python3 or an imported module is missing.
    static func run(_ program: String, stdin: String = "", args: [String] = []) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/env") else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", program] + args
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        p.standardInput = inPipe; p.standardOutput = outPipe; p.standardError = errPipe
        try p.run()
        let writer = Thread { inPipe.fileHandleForWriting.write(Data(stdin.utf8)); try? inPipe.fileHandleForWriting.close() }
        writer.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let errText = String(decoding: err, as: UTF8.self)
        if p.terminationStatus != 0 && (errText.contains("ModuleNotFoundError") || errText.contains("No such file")) { return nil }
        if p.terminationStatus == 127 { return nil }   // env: python3 not found
        if p.terminationStatus != 0 { throw PythonError(message: errText + String(decoding: out, as: UTF8.self)) }
        return String(decoding: out, as: UTF8.self)
    }
    struct PythonError: Error, CustomStringConvertible { var message: String; var description: String { message } }
}
