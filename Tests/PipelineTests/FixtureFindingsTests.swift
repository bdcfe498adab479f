import Testing
import Foundation
@testable import Diagnosis
import Connections

/// The exact findings each committed capture must produce (captures/README.md lists them with how
/// each capture was made). Successful handshakes must produce HANDSHAKE-OK and nothing alarming.
struct FixtureFindingsTests {
    /// capture → per connection "outcome:RULE,RULE" (root cause first), then "INPUT:RULE" lines.
    static let expected: [(String, [String])] = [
        ("tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("tls12_ok.pcapng", ["established:HANDSHAKE-OK"]),
        ("tls12_ok_nanosec.pcap", ["established:HANDSHAKE-OK"]),
        ("tls13_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("hrr_tls13_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("mtls_device_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("vlan_mtls_device_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("sip_tls_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("ipv6_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("ipv6_exthdr_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("ipv4_options_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("vlan_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("qinq_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("sll_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("sll2_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("null_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("raw_tls12_ok.pcap", ["established:HANDSHAKE-OK"]),
        ("alpn_resume.pcap", ["established:HANDSHAKE-OK", "established:HANDSHAKE-OK"]),
        ("reordered_retransmitted.pcap", ["established:HANDSHAKE-OK"]),
        ("loss_retransmit.pcap", ["established:HANDSHAKE-OK"]),
        ("unknown_ca.pcap", ["rejected_by_client:SERVER-CERT-REJECTED"]),
        ("tls13_unknown_ca.pcap", ["rejected_by_client:SERVER-CERT-REJECTED"]),
        ("tls13_client_abort.pcap", ["rejected_by_client:TLS13-CLIENT-ABORT"]),
        ("chain_incomplete.pcap", ["rejected_by_client:CHAIN-INCOMPLETE,SERVER-CERT-REJECTED"]),
        ("self_signed.pcap", ["rejected_by_client:CERT-SELF-SIGNED,SERVER-CERT-REJECTED"]),
        ("expired.pcap", ["rejected_by_client:CERT-EXPIRED,SERVER-CERT-REJECTED"]),
        ("not_yet_valid.pcap", ["rejected_by_client:CERT-NOT-YET-VALID,SERVER-CERT-REJECTED"]),
        ("client_clock_wrong.pcap", ["rejected_by_client:CLIENT-CLOCK-WRONG,SERVER-CERT-REJECTED"]),
        ("hostname_mismatch.pcap", ["rejected_by_client:HOSTNAME-MISMATCH,SERVER-CERT-REJECTED"]),
        ("wrong_eku.pcap", ["rejected_by_client:WRONG-KEY-USAGE,SERVER-CERT-REJECTED"]),
        ("weak_key.pcap", ["established:WEAK-KEY,HANDSHAKE-OK"]),
        ("weak_signature.pcap", ["established:WEAK-SIGNATURE,HANDSHAKE-OK"]),
        ("weak_key_sha1.pcap", ["established:WEAK-KEY,WEAK-SIGNATURE,HANDSHAKE-OK"]),
        ("no_client_cert.pcap", ["rejected_by_server:CLIENT-CERT-MISSING"]),
        ("tls13_no_client_cert.pcap", ["rejected_by_server:CLIENT-CERT-MISSING"]),
        ("client_cert_rejected.pcap", ["rejected_by_server:CLIENT-CERT-CA-NOT-ACCEPTED,CLIENT-CERT-REJECTED"]),
        ("client_ca_not_accepted.pcap", ["rejected_by_server:CLIENT-CERT-CA-NOT-ACCEPTED,CLIENT-CERT-REJECTED"]),
        ("device_mac_mismatch.pcap", ["established:DEVICE-CERT-MAC-MISMATCH,HANDSHAKE-OK"]),
        ("tls10_rejected.pcap", ["rejected_by_server:VERSION-REJECTED"]),
        ("tls11_rejected.pcap", ["rejected_by_server:VERSION-REJECTED"]),
        ("tls10_ok.pcap", ["established:VERSION-BELOW-1.2,HANDSHAKE-OK"]),
        ("no_shared_cipher.pcap", ["rejected_by_server:NO-SHARED-CIPHER"]),
        ("weak_cipher.pcap", ["established:WEAK-CIPHER,HANDSHAKE-OK"]),
        ("weak_cipher_3des.pcap", ["established:WEAK-CIPHER,HANDSHAKE-OK"]),
        ("unrecognized_name.pcap", ["rejected_by_server:FATAL-ALERT"]),
        ("sslv2_hello.pcap", ["rejected_by_server:LEGACY-HELLO,VERSION-BELOW-1.2,FATAL-ALERT",
                              "rejected_by_server:LEGACY-HELLO,FATAL-ALERT",
                              "rejected_by_server:FATAL-ALERT,LEGACY-HELLO,VERSION-BELOW-1.2,WEAK-CIPHER"]),
        ("tcp_refused.pcap", ["tcp_refused:TCP-REFUSED"]),
        ("tcp_no_answer.pcap", ["tcp_no_answer:TCP-NO-ANSWER"]),
        ("reset_after_hello.pcap", ["reset:TCP-RESET-AFTER-HELLO"]),
        ("plaintext_sip_to_tls.pcap", ["not_tls:PLAINTEXT-ON-TLS-PORT"]),
        ("tls_to_plaintext_port.pcap", ["no_server_hello:TLS-ON-PLAINTEXT-PORT", "no_server_hello:TLS-ON-PLAINTEXT-PORT"]),
        ("no_tls.pcap", ["not_tls:", "INPUT:CAPTURE-NO-TLS"]),
        ("snaplen_truncated.pcap", ["established:CAPTURE-SNAPLEN-TRUNCATED,HANDSHAKE-OK"]),
        ("gap_in_server_flight.pcap", ["established:CAPTURE-GAP,HANDSHAKE-OK"]),
        ("ip_fragments.pcap", ["established:HANDSHAKE-OK"]),
        ("one_sided_client.pcap", ["rejected_by_client:SERVER-CERT-REJECTED,CAPTURE-ONE-SIDED"]),
        ("one_sided_server.pcap", ["closed_by_server:CAPTURE-ONE-SIDED,HANDSHAKE-UNDECIDED"]),
        ("midstream.pcap", ["established:CAPTURE-MIDSTREAM,HANDSHAKE-OK"]),
        ("midstream_appdata.pcap", ["handshake_not_captured:CAPTURE-MIDSTREAM"]),
    ]

    @Test(arguments: expected.map(\.0))
    func fixtureProducesExactlyItsFindings(_ name: String) throws {
        let want = Self.expected.first { $0.0 == name }!.1
        let got = try Fixtures.analyze(name)
        #expect(got.summary == want, "\(name)")
    }

    @Test func everyCatalogueRuleIsTriggeredByAtLeastOneFixture() throws {
        var seen = Set<String>()
        for (_, lines) in Self.expected {
            for l in lines { seen.formUnion(l.split(separator: ":").last.map { $0.split(separator: ",").map(String.init) } ?? []) }
        }
        // Rules that need the engineer's trust store are proven in TrustOptionTests.
        seen.insert(RuleID.chainUntrusted.rawValue)
        let all = Set(Catalogue.all.map(\.id.rawValue) + Catalogue.inputRuleIDs.map(\.0.rawValue))
        #expect(all.subtracting(seen).isEmpty, "rules without a fixture: \(all.subtracting(seen).sorted())")
    }

    @Test func successfulHandshakesRaiseNoErrorOrWarning() throws {
        for (name, lines) in Self.expected where lines.allSatisfy({ $0 == "established:HANDSHAKE-OK" }) {
            let got = try Fixtures.analyze(name)
            for c in got.connections {
                #expect(c.findings.allSatisfy { $0.severity == .info }, "\(name): \(c.findings.map(\.rule))")
            }
        }
    }

    @Test func rootCauseNamesTheSideAtFaultAndTheFrames() throws {
        let r = try Fixtures.analyze("unknown_ca.pcap")
        let f = try #require(r.connections.first?.findings.first)
        #expect(f.rule == .serverCertRejected)
        #expect(f.explanation.contains("unknown_ca"))
        #expect(f.explanation.contains("Example"), "names the issuer the device must trust: \(f.explanation)")
        #expect(f.frames.count >= 2)
        #expect(f.sideAtFault == .server)
    }

    @Test func consequencesSayWhatTheyFollowFrom() throws {
        let r = try Fixtures.analyze("chain_incomplete.pcap")
        let findings = try #require(r.connections.first?.findings)
        #expect(findings.first?.rule == .chainIncomplete)
        #expect(findings.first(where: { $0.rule == .serverCertRejected })?.followsFrom == .chainIncomplete)
    }

    @Test func vendorProfileAppliesByOUIAndSpeaksTheVendorsWords() throws {
        let r = try Fixtures.analyze("no_client_cert.pcap")
        let c = try #require(r.connections.first)
        #expect(c.profile == "algo")
        #expect(c.findings.first?.remediation.contains("sipclient.pem") == true)
        let ok = try Fixtures.analyze("unknown_ca.pcap")
        #expect(ok.connections.first?.findings.first?.remediation.contains("certs/trusted") == true)
    }

    @Test func tls13AbortIsMediumConfidenceAndSaysWhatCannotBeSeen() throws {
        let r = try Fixtures.analyze("tls13_client_abort.pcap")
        let f = try #require(r.connections.first?.findings.first)
        #expect(f.rule == .tls13ClientAbort)
        #expect(f.confidence == .medium)
        #expect(f.remediation.contains("SSLKEYLOGFILE") || f.explanation.contains("cannot"))
    }

    @Test func captureProblemsLowerTheConfidenceOfOtherFindings() throws {
        let r = try Fixtures.analyze("one_sided_client.pcap")
        let rejected = try #require(r.connections.first?.findings.first { $0.rule == .serverCertRejected })
        #expect(rejected.confidence < .high)
        #expect(rejected.confidenceNote?.contains("capture") == true)
    }
}
