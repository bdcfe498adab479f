import Testing
import Foundation
import TestSupport
import WireCore
import TLSWire
import Connections
import X509Inspect
import Diagnosis
import Pipeline

/// `--keylog`: TLS 1.3 fixtures read with the client's key log (captures/keys/NAME.keys) are
/// diagnosed from their decrypted messages; without it, or with keys that do not fit, nothing changes.
struct KeyLogTests {
    static func analyze(_ name: String, keylog: String?, clientTrust: [String] = []) throws -> Fixtures.Result {
        let client = clientTrust.isEmpty ? Fixtures.systemStore
            : try TrustStore.load(paths: clientTrust.map(Fixtures.pki), label: "--client-trust")
        let trust = TrustConfiguration(clientTrust: client, clientTrustExplicit: !clientTrust.isEmpty, serverTrust: nil,
                                       at: nil, expectHost: nil)
        var options = AnalysisOptions(trust: trust, profiles: VendorProfiles.builtIn())
        if let keylog { try options.useKeyLog(path: keylog) }
        let analysis = CaptureAnalysis(options: options, cache: Fixtures.cache)
        var out: [AnalyzedConnection] = []
        let input = analysis.run(path: Fixtures.capture(name), input: 0, onConnection: { out.append($0) })
        return Fixtures.Result(connections: out, input: input)
    }

    static func keys(_ name: String) -> String { Fixtures.capture("keys/\(name).keys") }

    /// A key log in a temporary file.
    static func tempKeyLog(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-keylog-\(UUID().uuidString).keys")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func unknownCAShowsTheDecryptedServerChainAndTheClientsAlert() throws {
        let r = try Self.analyze("tls13_unknown_ca.pcap", keylog: Self.keys("tls13_unknown_ca"))
        #expect(r.summary == ["rejected_by_client:SERVER-CERT-REJECTED"])
        let c = try #require(r.connections.first)
        #expect(c.connection.tls.decrypted)
        #expect(c.connection.tls13 == nil, "no size inference once the messages are known")
        let certs = try #require(c.connection.tls.serverCertificate).value.certificates
        #expect(certs.count == 2)
        #expect(c.serverChain?.leaf?.subject.contains("CN=sip.example.com") == true)
        // The OpenSSL client alerts in plaintext (it logged no client secrets): nothing to decrypt there.
        #expect(c.connection.tls.clientDecryption == .noKeys && c.connection.tls.serverDecryption == .done)
        let alert = try #require(c.connection.tls.alerts.first)
        #expect(alert.sender == .client && alert.description == .unknownCA && alert.level == .fatal)
        #expect(!alert.encrypted && !alert.decrypted && !alert.inferred)
        let finding = try #require(c.findings.first)
        #expect(finding.confidence == .high)
        #expect(!finding.explanation.contains("encrypted in the capture"))
    }

    @Test func unknownCAWithTheDevicesTrustStoreBlamesTheChain() throws {
        let r = try Self.analyze("tls13_unknown_ca.pcap", keylog: Self.keys("tls13_unknown_ca"), clientTrust: ["rootB.pem"])
        #expect(r.summary == ["rejected_by_client:CHAIN-UNTRUSTED,SERVER-CERT-REJECTED"])
    }

    @Test func gnutlsEncryptedBadCertificateBecomesServerCertRejected() throws {
        let without = try Self.analyze("tls13_client_abort.pcap", keylog: nil)
        #expect(without.summary == ["rejected_by_client:TLS13-CLIENT-ABORT"])
        // GnuTLS aborted before logging traffic secrets: the handshake secrets are enough.
        let r = try Self.analyze("tls13_client_abort.pcap", keylog: Self.keys("tls13_client_abort"))
        #expect(r.summary == ["rejected_by_client:SERVER-CERT-REJECTED"])
        let tls = try #require(r.connections.first).connection.tls
        #expect(tls.decrypted)
        let alert = try #require(tls.alerts.first)
        #expect(alert.description == .badCertificate && alert.sender == .client && alert.decrypted)
        #expect(tls.serverCertificate?.value.certificates.count == 2)
    }

    @Test func emptyClientCertificateAndCertificateRequiredGiveClientCertMissing() throws {
        let r = try Self.analyze("tls13_no_client_cert.pcap", keylog: Self.keys("tls13_no_client_cert"))
        #expect(r.summary == ["rejected_by_server:CLIENT-CERT-MISSING"])
        let c = try #require(r.connections.first)
        let tls = c.connection.tls
        #expect(tls.decrypted)
        #expect(tls.certificateRequest != nil)
        #expect(tls.clientCertificate?.value.isEmpty == true)
        // The server's alert answers the client's Finished: it is under the server's application keys.
        let alert = try #require(tls.alerts.first)
        #expect(alert.sender == .server && alert.description == .certificateRequired && alert.decrypted)
        #expect(alert.duringHandshake)
        #expect(!c.connection.established)
        #expect(c.findings.first?.confidence == .high)
    }

    @Test(arguments: ["tls13_ok", "hrr_tls13_ok"])
    func completedHandshakesNameTheServerCertificate(_ name: String) throws {
        let r = try Self.analyze("\(name).pcap", keylog: Self.keys(name))
        #expect(r.summary == ["established:HANDSHAKE-OK"])
        let c = try #require(r.connections.first)
        let tls = c.connection.tls
        #expect(tls.decrypted && c.connection.established)
        #expect(tls.clientFinished != nil && tls.serverFinished != nil)
        #expect(tls.newSessionTickets == 2)
        #expect(tls.clientCertificate == nil && tls.certificateRequest == nil)
        let ok = try #require(c.findings.first)
        #expect(ok.title.contains("CN=sip.example.com"))
        #expect(ok.title.contains("no client certificate"))
        // close_notify both ways, read after the handshake: not a handshake verdict.
        #expect(tls.alerts.count == 2)
        #expect(tls.alerts.allSatisfy { $0.description == .closeNotify && $0.decrypted && !$0.duringHandshake })
        // Decrypted messages are marked in the transcript; plaintext ones are not.
        let marked = c.connection.transcript.filter(\.decrypted).map(\.event)
        #expect(marked.contains(.handshake(.certificate, length: 1857)))
        #expect(!c.connection.transcript.contains { $0.decrypted && $0.event == .handshake(.clientHello, length: 240) })
    }

    @Test func secretsThatDoNotFitLeaveTheKeylessDiagnosisAndSaySo() throws {
        // tls13_ok's secrets filed under tls13_unknown_ca's client random: the lookup succeeds,
        // the first protected record fails authentication.
        func clientRandom(_ name: String) throws -> String {
            let line = try String(contentsOfFile: Self.keys(name), encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("SERVER_HANDSHAKE_TRAFFIC_SECRET") }
            return String(try #require(line).split(separator: " ")[1])
        }
        let text = try String(contentsOfFile: Self.keys("tls13_ok"), encoding: .utf8)
        let wrong = try Self.tempKeyLog(text.replacingOccurrences(of: try clientRandom("tls13_ok"),
                                                                  with: try clientRandom("tls13_unknown_ca")))
        defer { try? FileManager.default.removeItem(atPath: wrong) }
        let keyless = try Self.analyze("tls13_unknown_ca.pcap", keylog: nil)
        let r = try Self.analyze("tls13_unknown_ca.pcap", keylog: wrong)
        #expect(r.summary == keyless.summary)
        let c = try #require(r.connections.first).connection
        #expect(!c.tls.decrypted)
        #expect(c.tls.serverDecryption == .failed)
        #expect(c.tls13 != nil, "the size inference is back")
        #expect(c.anomalies.contains { $0.kind == .keyLogMismatch && $0.detail.contains("key log secrets do not decrypt this connection") })
    }

    /// tshark with the same key log (captures/tshark/NAME.keylog.txt) reads the same messages and
    /// alerts in the same frames.
    @Test(arguments: ["tls13_ok", "hrr_tls13_ok", "tls13_unknown_ca", "tls13_client_abort", "tls13_no_client_cert"])
    func decryptedMessagesAndAlertsMatchTsharkWithTheKeyLog(_ name: String) throws {
        let text = try String(contentsOfFile: Fixtures.capture("tshark/\(name).keylog.txt"), encoding: .utf8)
        var lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = lines.removeFirst()
        var theirs: [Int: [Int]] = [:], theirAlerts: [Int: [Int]] = [:]
        for cols in lines {
            guard let frame = Int(cols[0]) else { continue }
            func field(_ h: String) -> [Int] {
                guard let i = header.firstIndex(of: h), i < cols.count else { return [] }
                return cols[i].split(separator: ",").compactMap { Int($0) }
            }
            if !field("tls.handshake.type").isEmpty { theirs[frame, default: []] += field("tls.handshake.type") }
            if !field("tls.alert_message.desc").isEmpty { theirAlerts[frame, default: []] += field("tls.alert_message.desc") }
        }
        let r = try Self.analyze("\(name).pcap", keylog: Self.keys(name))
        var ours: [Int: [Int]] = [:], ourAlerts: [Int: [Int]] = [:]
        for e in try #require(r.connections.first).connection.transcript {
            switch e.event {
            case .handshake(let t, _): ours[e.frame, default: []].append(Int(t.rawValue))
            case .helloRetryRequest: ours[e.frame, default: []].append(2)
            case .alert(_, let d): ourAlerts[e.frame, default: []].append(Int(d.rawValue))
            default: break
            }
        }
        #expect(ours == theirs, "\(name): handshake messages by frame")
        #expect(ourAlerts == theirAlerts, "\(name): alerts by frame")
    }

    /// With every key log given at once, the captures they do not belong to are analysed exactly as without.
    @Test func aKeyLogChangesNothingForConnectionsItHasNoSecretsFor() throws {
        var all = ""
        for n in ["tls13_ok", "hrr_tls13_ok", "tls13_unknown_ca", "tls13_client_abort", "tls13_no_client_cert", "sip_tls_ok"] {
            all += try String(contentsOfFile: Self.keys(n), encoding: .utf8) + "\n"
        }
        let path = try Self.tempKeyLog(all)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decrypted: Set = ["tls13_ok.pcap", "hrr_tls13_ok.pcap", "tls13_unknown_ca.pcap", "tls13_client_abort.pcap",
                              "tls13_no_client_cert.pcap"]
        for (name, _) in FixtureFindingsTests.expected where !decrypted.contains(name) {
            let keyless = try Self.analyze(name, keylog: nil)
            let keyed = try Self.analyze(name, keylog: path)
            #expect(keyed.summary == keyless.summary, "\(name)")
            #expect(keyed.connections.allSatisfy { !$0.connection.tls.decrypted }, "\(name)")
        }
    }

    @Test func cliDecryptsWithKeylogAndReportsItInJSON() throws {
        let out = try CLI.run(["analyze", "captures/tls13_no_client_cert.pcap", "--keylog", "captures/keys/tls13_no_client_cert.keys",
                               "--format", "json"])
        #expect(out.status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let conn = try #require((doc["connections"] as? [[String: Any]])?.first)
        let tls = try #require(conn["tls"] as? [String: Any])
        #expect(tls["decrypted"] as? Bool == true)
        let alert = try #require((tls["alerts"] as? [[String: Any]])?.first)
        #expect(alert["description"] as? String == "certificate_required")
        #expect(alert["encrypted"] as? Bool == true)
        #expect(alert["decrypted"] as? Bool == true)
        let transcript = try #require(conn["transcript"] as? [[String: Any]])
        #expect(transcript.contains { $0["event"] as? String == "CertificateRequest" && $0["decrypted"] as? Bool == true })

        let plain = try CLI.run(["analyze", "captures/tls13_no_client_cert.pcap", "--format", "json"])
        let plainDoc = try #require(try JSONSerialization.jsonObject(with: Data(plain.stdout.utf8)) as? [String: Any])
        let plainTLS = try #require(((plainDoc["connections"] as? [[String: Any]])?.first?["tls"]) as? [String: Any])
        #expect(plainTLS["decrypted"] as? Bool == false)
    }

    @Test(arguments: [["--keylog", "captures/keys/no-such-file.keys"], ["--keylog", "captures/tls13_ok.pcap"], ["--keylog", "captures"]])
    func anUnreadableKeyLogIsAOneLineUsageError(_ option: [String]) throws {
        let out = try CLI.run(["analyze", "captures/tls13_ok.pcap"] + option)
        #expect(out.status == 2)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("tlsdiag: --keylog "))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }
}
