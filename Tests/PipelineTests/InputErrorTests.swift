import Testing
import Foundation
import TestSupport

/// Bad input gets one clear line naming the file and the problem, exit status 2, never a stack
/// trace, and the other files of the same call are still analysed.
@Suite(.serialized) struct InputErrorTests {
    static let tmp: URL = {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-input-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }()

    static func file(_ name: String, _ bytes: [UInt8]) -> String {
        let p = tmp.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    func expectCleanError(_ path: String, mentions: String) throws {
        let good = Fixtures.capture("tls12_ok.pcap")
        let r = try CLI.run(["analyze", path, good])
        #expect(r.status == 2, "\(path): status \(r.status)")
        #expect(r.stderr.contains(path) || r.stderr.contains((path as NSString).lastPathComponent), "\(r.stderr)")
        #expect(r.stderr.lowercased().contains(mentions), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump") && !r.stderr.contains("0x0000"), "\(r.stderr)")
        #expect(r.stdout.contains("HANDSHAKE-OK"), "the other input is still analysed")
    }

    @Test func missingFile() throws { try expectCleanError("/nonexistent/capture.pcap", mentions: "no such file") }
    @Test func directory() throws { try expectCleanError(Self.tmp.path, mentions: "directory") }
    @Test func emptyFile() throws { try expectCleanError(Self.file("empty.pcap", []), mentions: "empty") }
    @Test func textFile() throws {
        try expectCleanError(Self.file("notes.txt", Array("REGISTER sip:pbx.example.com SIP/2.0\r\n".utf8)), mentions: "not a pcap")
    }
    @Test func truncatedHeader() throws {
        try expectCleanError(Self.file("short.pcap", [0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00]), mentions: "truncated")
    }
    @Test func unsupportedLinkType() throws {
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture("tls12_ok.pcap"))))
        bytes[20] = 105  // IEEE 802.11
        bytes[21] = 0; bytes[22] = 0; bytes[23] = 0
        try expectCleanError(Self.file("wifi.pcap", bytes), mentions: "link type")
    }
    @Test func permissionDenied() throws {
        guard getuid() != 0 else { return }  // root reads everything
        let p = Self.file("secret.pcap", [1, 2, 3, 4])
        chmod(p, 0)
        try expectCleanError(p, mentions: "permission")
    }

    @Test func fileCutInTheMiddleOfAPacketIsAnalysedUpToTheCut() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture("unknown_ca.pcap"))))
        let p = Self.file("cut.pcap", Array(bytes.prefix(bytes.count - 30)))
        let r = try CLI.run(["analyze", p])
        #expect(r.stderr.contains("truncated") || r.stderr.contains("ends in the middle"), "\(r.stderr)")
        #expect(r.stdout.contains("SERVER-CERT-REJECTED"), "\(r.stdout)")
    }
}

/// The command-line contract: exit statuses, formats, standard input, the catalogue commands.
struct CommandLineTests {
    @Test func exitStatusFollowsFailOn() throws {
        #expect(try CLI.run(["analyze", Fixtures.capture("tls12_ok.pcap")]).status == 0)
        #expect(try CLI.run(["analyze", Fixtures.capture("unknown_ca.pcap")]).status == 1)
        #expect(try CLI.run(["analyze", Fixtures.capture("unknown_ca.pcap"), "--fail-on", "never"]).status == 0)
        #expect(try CLI.run(["analyze", Fixtures.capture("weak_cipher.pcap")]).status == 0)
        #expect(try CLI.run(["analyze", Fixtures.capture("weak_cipher.pcap"), "--fail-on", "warning"]).status == 1)
    }

    @Test func usageErrorsExitWithTwo() throws {
        let r = try CLI.run(["analyze", Fixtures.capture("tls12_ok.pcap"), "--at", "yesterday"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--at"))
        let t = try CLI.run(["analyze", Fixtures.capture("tls12_ok.pcap"), "--client-trust", "/nonexistent.pem"])
        #expect(t.status == 2)
        #expect(t.stderr.contains("/nonexistent.pem"))
    }

    @Test func jsonFollowsTheContract() throws {
        let r = try CLI.run(["analyze", Fixtures.capture("unknown_ca.pcap"), "--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["schema_version"] as? String == "1")
        let inputs = try #require(doc["inputs"] as? [[String: Any]])
        #expect(inputs.first?["format"] as? String == "pcap")
        #expect(inputs.first?["link_types"] as? [String] == ["EN10MB"])
        let c = try #require((doc["connections"] as? [[String: Any]])?.first)
        #expect(c["outcome"] as? String == "rejected_by_client")
        let client = try #require(c["client"] as? [String: Any])
        #expect(client["mac"] as? String == "00:22:ee:09:00:45")
        let tls = try #require(c["tls"] as? [String: Any])
        #expect(tls["version"] as? String == "TLSv1.2")
        #expect((tls["cipher"] as? String)?.hasPrefix("TLS_ECDHE_") == true)
        #expect(tls["server_name"] as? String == "sip.example.com")
        let alert = try #require((tls["alerts"] as? [[String: Any]])?.first)
        #expect(alert["sender"] as? String == "client")
        #expect(alert["description"] as? String == "unknown_ca")
        #expect(alert["encrypted"] as? Bool == false)
        let certs = try #require(tls["server_certificates"] as? [[String: Any]])
        #expect(certs.count == 2)
        #expect((certs.first?["sha256"] as? String)?.count == 64)
        let ch = try #require(tls["client_hello"] as? [String: Any])
        #expect((ch["cipher_suites"] as? [String])?.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") == true)
        let finding = try #require((c["findings"] as? [[String: Any]])?.first)
        #expect(finding["rule"] as? String == "SERVER-CERT-REJECTED")
        #expect(finding["severity"] as? String == "error")
        #expect((finding["frames"] as? [Int])?.isEmpty == false)
    }

    @Test func jsonLinesIsOneObjectPerConnection() throws {
        let r = try CLI.run(["analyze", Fixtures.capture("alpn_resume.pcap"), "--format", "jsonl"])
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        for l in lines { #expect((try? JSONSerialization.jsonObject(with: Data(l.utf8))) != nil) }
    }

    @Test func standardInputIsReadWithDash() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture("no_client_cert.pcap")))
        let r = try CLI.run(["analyze", "-"], stdin: data)
        #expect(r.stdout.contains("CLIENT-CERT-MISSING"), "\(r.stdout + r.stderr)")
        let n = try CLI.run(["analyze", "-", "--format", "json"], stdin: try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture("tls12_ok.pcapng"))))
        #expect(n.stdout.contains("\"format\":\"pcapng\""), "\(n.stdout)")
    }

    @Test func rulesListsTheWholeCatalogueAndExplainDescribesOne() throws {
        let r = try CLI.run(["rules"])
        for id in ["CAPTURE-NO-TLS", "TCP-NO-ANSWER", "VERSION-BELOW-1.2", "SERVER-CERT-REJECTED", "CLIENT-CLOCK-WRONG",
                   "DEVICE-CERT-MAC-MISMATCH", "TLS13-CLIENT-ABORT", "HANDSHAKE-OK"] {
            #expect(r.stdout.contains(id))
        }
        let e = try CLI.run(["explain", "client-clock-wrong"])
        #expect(e.status == 0)
        #expect(e.stdout.contains("NTP"))
        #expect(try CLI.run(["explain", "NO-SUCH-RULE"]).status == 2)
    }
}
