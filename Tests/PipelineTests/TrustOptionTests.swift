import Testing
@testable import Diagnosis
import Connections

/// The engineer's trust stores and clock change verdicts the way the peers would.
struct TrustOptionTests {
    @Test func unknownCAWithTheDevicesStoreIsAnUntrustedChain() throws {
        let r = try Fixtures.analyze("unknown_ca.pcap", clientTrust: ["rootB.pem"])
        let rules = r.connections.first?.findings.map(\.rule.rawValue) ?? []
        #expect(rules.first == "CHAIN-UNTRUSTED")
        #expect(rules.contains("SERVER-CERT-REJECTED"))
    }

    @Test func goodChainAgainstItsRootIsTrustedAndQuiet() throws {
        let r = try Fixtures.analyze("tls12_ok.pcap", clientTrust: ["rootA.pem"])
        let c = try #require(r.connections.first)
        #expect(c.serverChain?.verdict.status.rawValue == "trusted")
        #expect(c.findings.map(\.rule) == [.handshakeOK])
    }

    @Test func incompleteChainIsCertainWithTheRootKnown() throws {
        let r = try Fixtures.analyze("chain_incomplete.pcap", clientTrust: ["rootA.pem"])
        let f = try #require(r.connections.first?.findings.first)
        #expect(f.rule == .chainIncomplete)
        #expect(f.confidence == .high)
        #expect(f.title.contains("Int"), "names the missing intermediate: \(f.title)")
    }

    @Test func correctClockWouldNotFixAnExpiredCertificate() throws {
        // --at moves the judgement: in 2020 the certificate was valid, so it is the date that is the problem.
        let now = try Fixtures.analyze("expired.pcap")
        #expect(now.connections.first?.findings.first?.rule == .certExpired)
        let then = try Fixtures.analyze("expired.pcap", at: "2020-06-01T00:00:00Z")
        #expect(!(then.connections.first?.findings.contains { $0.rule == .certExpired } ?? true))
    }

    @Test func expectHostChecksTheConfiguredName() throws {
        let r = try Fixtures.analyze("tls12_ok.pcap", expectHost: "pbx.other.example")
        let c = try #require(r.connections.first)
        #expect(c.serverChain?.hostnameSource == "--expect-host")
        #expect(c.findings.contains { $0.rule == .hostnameMismatch })
    }

    @Test func deviceChainAgainstTheVendorRootIsTrustedForClientAuth() throws {
        let r = try Fixtures.analyze("mtls_device_ok.pcap", serverTrust: ["vendorRoot.pem"])
        let c = try #require(r.connections.first)
        #expect(c.clientChain?.verdict.status.rawValue == "trusted")
        #expect(c.clientChain?.certificateMAC?.description == "00:22:ee:09:00:45")
        #expect(c.clientChain?.frameMAC?.description == "00:22:ee:09:00:45")
        #expect(c.findings.map(\.rule) == [.handshakeOK])
    }
}
