import Testing
import Foundation
import WireCore
@testable import Diagnosis
@testable import Connections
import Reports

/// What the human-readable reports must show, on real captures.
struct RenderingTests {
    @Test func terminalTableColumnsLineUp() throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let out = Render.capture("all_failures.pcapng", "text")
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.contains("Client") && $0.contains("Root cause") })
        let header = lines[start]
        let rows = lines[(start + 1)...].prefix { !$0.isEmpty }
        #expect(rows.count >= 10)
        // Each column header starts where the column's cells start.
        for col in ["Client", "Server", "SNI", "Outcome", "Root cause", "Version", "Cipher"] {
            let at = header.range(of: col)!.lowerBound.utf16Offset(in: header)
            for r in rows {
                let chars = Array(r)
                #expect(chars.count > at && chars[at] != " " && chars[at - 1] == " ", "column \(col) misaligned in: \(r)")
            }
        }
    }

    @Test func terminalHasNoColourWhenDisabledAndColourWhenEnabled() {
        let conns = [Hostile.connection()]
        #expect(!Render.run("text", conns, color: false).contains("\u{1b}["))
        #expect(Render.run("text", conns, color: true).contains("\u{1b}[31m"))
    }

    @Test func successfulConnectionIsOneLineAndFailuresGetVerdictEvidenceAndFix() throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let out = Render.capture("all_failures.pcapng", "text")
        let ok = out.split(separator: "\n").filter { $0.hasPrefix("OK ") }
        #expect(!ok.isEmpty)
        #expect(out.contains("Evidence:"))
        #expect(out.contains("Fix:"))
        #expect(out.contains("Root cause"))
        #expect(out.contains("BY DEVICE"))
    }

    @Test func devicesAreGroupedByClientWithOneVerdictLine() throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let (conns, _) = Fixtures.analyze("all_failures.pcapng")
        var g = DeviceGrouper()
        for (i, ac) in conns.enumerated() { g.add(ConnectionDigest(ac, id: i + 1)) }
        #expect(g.devices.count == 1)
        let dev = try #require(g.devices.first)
        #expect(dev.connections.count == conns.count)
        #expect(dev.vendor != nil)
        let verdict = dev.verdict
        #expect(verdict.contains("SIP over TLS to "))
        #expect(verdict.contains("HTTPS to "))
        #expect(!verdict.contains("\n"))
        // SIP and HTTPS are separate parts, failures first.
        #expect(dev.parts.count == 2)
        #expect(dev.parts.allSatisfy { $0.status == .failed })
    }

    @Test func deviceVerdictSaysOKForAHealthyService() {
        var ok = Hostile.connection()
        ok.connection.outcome = .established
        ok.connection.established = true
        ok.findings = [Finding(rule: .handshakeOK, severity: .info, confidence: .high, title: "Handshake completed", explanation: "",
                               remediation: "", frames: [])]
        var bad = Hostile.connection()
        bad.connection.server.port = 443
        var g = DeviceGrouper()
        g.add(ConnectionDigest(ok, id: 1))
        g.add(ConnectionDigest(bad, id: 2))
        g.add(ConnectionDigest(bad, id: 3))
        let v = g.devices[0].verdict
        #expect(v.hasPrefix("HTTPS to 10.0.0.5:443 rejected by the device (2 connections): The device rejected the certificate of"))
        #expect(v.hasSuffix("; SIP over TLS to 10.0.0.5:5061 OK"))
    }

    @Test func htmlReportIsSelfContainedWithALadderPerDetailedConnection() throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let (conns, input) = Fixtures.analyze("all_failures.pcapng")
        let html = Render.run("html", conns, inputs: [input])
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        // The only absolute URL is the SVG namespace.
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "https?://", options: .regularExpression) == nil)
        #expect(html.count(of: "<article class=\"card") == conns.count)
        #expect(html.count(of: "<svg class=\"ladder\"") == conns.count)
        #expect(html.contains("class=\"ar alert\""))                  // alerts drawn red
        #expect(html.contains("class=\"badge small failed\">EXPIRED at capture time"))
        #expect(html.contains("@media print"))
        #expect(html.contains("Verdict by device"))
        #expect(html.contains("finding root"))
        #expect(html.contains("finding consequence"))
        // Cards of failed connections come before the successful ones.
        let firstOK = html.range(of: "<article class=\"card ok\"")!.lowerBound
        let lastFailed = html.range(of: "<article class=\"card failed\"", options: .backwards)!.lowerBound
        #expect(lastFailed < firstOK)
    }

    @Test func ladderShowsCaptureGapsAndResets() throws {
        for name in ["gap_in_server_flight.pcap", "reset_after_hello.pcap"] where Fixtures.exists(name) {
            let html = Render.capture(name, "html")
            #expect(html.contains("<svg class=\"ladder\""))
            if name.hasPrefix("gap") { #expect(html.contains("class=\"gap\"") || html.contains("capture gap")) }
            else { #expect(html.contains("class=\"ar rst\"")) }
        }
    }

    @Test func markdownHasTheSectionsATicketNeeds() throws {
        guard Fixtures.exists("all_failures.pcapng") else { return }
        let md = Render.capture("all_failures.pcapng", "markdown")
        for s in ["# TLS diagnosis", "## Devices", "## Connections", "| # | Client | Server |", "## Failed and warned connections",
                  "**Fix:**", "| Evidence | Value | Frame |", "**Server certificate chain**", "## Successful connections"] {
            #expect(md.contains(s), "missing \(s)")
        }
    }

    @Test func progressMeterStaysSilentForShortInputsAndErasesItsLine() {
        final class Box: @unchecked Sendable { var text = "" }
        let box = Box()
        let quiet = ProgressMeter(enabled: true) { box.text += $0 }
        quiet.begin("short.pcap")
        quiet.update(frames: 65536)
        quiet.end()
        #expect(box.text.isEmpty)
        let off = ProgressMeter(enabled: false) { box.text += $0 }
        off.begin("x"); off.update(frames: 1); off.end()
        #expect(box.text.isEmpty)
    }
}
