import Testing
import Foundation
import TestSupport

/// `tlsdiag certs`: chains as trees, and PEM export one file per connection and side.
struct CertsCommandTests {
    @Test func exportWritesEachChainAsPEMThatOpenSSLReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-certs-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let r = try CLI.run(["certs", Fixtures.capture("mtls_device_ok.pcap"), "--export", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Server chain") && r.stdout.contains("Client chain"))
        #expect(r.stdout.contains("00:22:ee:09:00:45"))
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files.count == 2)
        #expect(files.contains { $0.hasSuffix("_server.pem") } && files.contains { $0.hasSuffix("_client.pem") })
        let pem = try String(contentsOf: dir.appendingPathComponent(files.first { $0.hasSuffix("_client.pem") }!), encoding: .utf8)
        #expect(pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").count - 1 == 2, "device certificate and its intermediate")
        #expect(pem.contains("subject: CN=00:22:ee:09:00:45"))
    }

    @Test func treeShowsTheVerdictAndTheNameCheck() throws {
        let r = try CLI.run(["certs", Fixtures.capture("hostname_mismatch.pcap"), "--client-trust", "captures/pki/rootA.pem"])
        #expect(r.stdout.contains("verdict: trusted"))
        #expect(r.stdout.contains("NOT covered"))
    }
}
