import Testing
import Foundation
import TestSupport

/// Broken files given to the command line together with a good one: one line per broken file naming
/// it, exit status 2, no stack trace, and the good file still analysed. (The single-cause cases —
/// missing, directory, empty, text, truncated header, link type, permission — are PipelineTests'
/// InputErrorTests; these are the damaged-capture shapes the fuzzers and truncation tests found.)
@Suite(.serialized) struct CLIInputErrorTests {
    static func fixture(_ name: String) -> [UInt8] { Robust.fixtures.first { $0.name == name }?.bytes ?? [] }

    @Test func damagedCapturesGetOneLineEachAndTheGoodFileIsStillAnalysed() throws {
        let pcapng = Self.fixture("tls12_ok.pcapng")
        let pcap = Self.fixture("unknown_ca.pcap")
        var hugeCaplen = pcap
        for i in 32..<36 { hugeCaplen[i] = 0xff }                       // first record: caplen 4 GB
        let broken: [(String, [UInt8])] = [
            ("pcapng-cut-in-section-header.pcapng", Array(pcapng.prefix(20))),
            ("pcap-header-only-magic.pcap", Array(pcap.prefix(4))),
            ("pcap-magic-then-noise.pcap", Array(pcap.prefix(4)) + (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }),
            ("pcapng-magic-then-noise.pcapng", Array(pcapng.prefix(4)) + [UInt8](repeating: 0xff, count: 64)),
        ]
        let paths = broken.map { Robust.write($0.1, name: $0.0) }
        let huge = Robust.write(hugeCaplen, name: "caplen-4G.pcap")
        defer { for p in paths + [huge] { try? FileManager.default.removeItem(atPath: p) } }
        let good = Robust.repo.appendingPathComponent("captures/tls12_ok.pcap").path

        let r = try CLI.run(["analyze"] + paths + [huge, good])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        for p in paths {
            let mine = lines.filter { $0.contains(p + ": ") }
            #expect(mine.count == 1, "one line for \(p): \(r.stderr)")
        }
        // A capture whose first record claims 4 GB: the header was fine, so it is read (no frames) and the problem named.
        #expect(lines.contains { $0.contains(huge + ": ") }, "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump") && !r.stderr.contains("Backtrace"))
        #expect(r.stdout.contains("HANDSHAKE-OK"), "the good file is still analysed: \(r.stdout)")
    }

    @Test func damagedCaptureToJSONIsValidJSONWithTheErrorInItsInput() throws {
        let p = Robust.write(Array(Self.fixture("tls12_ok.pcapng").prefix(20)), name: "cut.pcapng")
        defer { try? FileManager.default.removeItem(atPath: p) }
        let r = try CLI.run(["analyze", p, "--format", "json"])
        #expect(r.status == 2)
        #expect(JSONCheck.problem(in: Array(r.stdout.utf8)) == nil, "\(r.stdout)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let input = try #require((doc["inputs"] as? [[String: Any]])?.first)
        #expect(input["error_code"] as? String != nil)
    }

    /// `-o` naming one of the captures (directly or through a link) would empty it before it is read:
    /// refused, with status 2, and the capture is untouched.
    @Test func aReportOverItsOwnCaptureIsRefusedAndTheCaptureKept() throws {
        let bytes = Self.fixture("unknown_ca.pcap")
        let capture = Robust.write(bytes, name: "own-output.pcap")
        let link = capture + ".link"
        defer { try? FileManager.default.removeItem(atPath: capture); try? FileManager.default.removeItem(atPath: link) }
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: capture)
        for output in [capture, link] {
            let r = try CLI.run(["analyze", capture, "-o", output])
            #expect(r.status == 2)
            #expect(r.stderr.contains("\(output): is the capture \(capture) itself"), "\(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: capture)) == Data(bytes), "the capture is untouched")
        }
    }
}
