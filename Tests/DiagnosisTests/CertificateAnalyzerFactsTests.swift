import Testing
import Foundation
import WireCore
import TLSWire
@testable import Connections
import Packets
import X509Inspect
import TestSupport
@testable import Diagnosis

/// CertificateAnalyzer keeps what it worked out for a chain (verdicts by store, purpose and hour; host name
/// results; the device certificate's MAC; whether it names an acceptable CA) next to the chain, by the
/// chain's number. A connection analysed by an analyzer that has seen many others must get exactly the
/// report an analyzer seeing it first gives.
@Suite struct CertificateAnalyzerFactsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("X509InspectTests/Fixtures")

    static func ders(_ names: String...) throws -> [[UInt8]] {
        try names.flatMap { name in
            try TrustStore.load(paths: [fixtures.appendingPathComponent(name + ".pem").path], label: name).certificates.map(\.der)
        }
    }

    static let names: [String?] = [nil, "sip.example.com", "SIP.example.com.", "other.example.com", "client.example.com",
                                   "00:22:ee:09:00:45", "10.0.0.5", "[::1]", "legacy.example.com"]

    /// Everything of a report the analysis fills in, as text.
    static func describe(_ r: ChainReport?) -> String {
        guard let r else { return "none" }
        let certs = r.certificates.map { $0.summary?.sha256 ?? "undecodable \($0.der.count): \($0.decodeError ?? "?")" }
        let v = r.verdict
        return "\(r.sender) \(r.frame) \(certs) \(v.status) \(v.storeLabel ?? "-") \(v.issues) \(v.opensslError.map(String.init) ?? "-") "
            + "\(v.opensslErrorText ?? "-") \(v.builtChain.map(\.sha256)) \(r.judgedAt.seconds) "
            + "\(r.hostnameChecked ?? "-") \(r.hostnameSource ?? "-") \(r.hostnameMatches.map { "\($0)" } ?? "-") "
            + "\(r.certificateMAC.map { "\($0)" } ?? "-") \(r.frameMAC.map { "\($0)" } ?? "-") "
            + "\(r.acceptableCAMatch.map { "\($0)" } ?? "-") \(r.acceptableCANames)"
    }

    static func connection(server: [[UInt8]], client: [[UInt8]], acceptable: [[UInt8]], sni: String?, mac: UInt64,
                           at seconds: Int64) -> Connection {
        let t = Timestamp(seconds: seconds, nanoseconds: 0)
        var tls = TLSSummary()
        var hello = ClientHello()
        if let sni { hello.serverName = sni }
        tls.clientHello = Located(hello, frame: 4, firstFrame: 4, time: t)
        if !server.isEmpty {
            var m = CertificateMessage()
            m.certificates = server
            tls.serverCertificate = Located(m, frame: 6, firstFrame: 6, time: t)
        }
        if !client.isEmpty {
            var m = CertificateMessage()
            m.certificates = client
            tls.clientCertificate = Located(m, frame: 8, firstFrame: 8, time: t)
            var cr = CertificateRequest()
            cr.certificateAuthorities = acceptable
            tls.certificateRequest = Located(cr, frame: 6, firstFrame: 6, time: t)
        }
        return Connection(id: 1, input: 0, firstFrame: 1, lastFrame: 10, startTime: t, endTime: t,
                          client: Endpoint(ip: IPAddress(v4: 0x0a00_0014), port: 50712),
                          server: Endpoint(ip: IPAddress(v4: 0x0a00_0005), port: 5061),
                          clientMAC: EthernetAddress(value: mac), serverMAC: nil, vlanIDs: [], roleBasis: .syn,
                          tcp: TCPSummary(), tls: tls, transcript: [], transcriptTruncated: false, anomalies: [],
                          outcome: .established, established: true, tls13: nil, endReason: "closed")
    }

    @Test func reportsOfAnAnalyzerThatSawOthersAreThoseOfAFreshOne() throws {
        let root = try Self.ders("rootA")
        let serverChains: [[[UInt8]]] = [
            [], try Self.ders("leaf", "intA"), try Self.ders("leaf"), try Self.ders("selfsigned"), try Self.ders("expired", "intA"),
            try Self.ders("sancn", "intA"), try Self.ders("deep", "intA2", "intA"), [[0x30, 0x03, 0x02, 0x01, 0x00]],
            [[0x30, 0x03, 0x02, 0x01, 0x01]],
        ]
        let clientChains: [[[UInt8]]] = [[], try Self.ders("device", "vendorInt"), try Self.ders("clientonly", "intA"), try Self.ders("device")]
        let vendorInt = try TrustStore.load(paths: [Self.fixtures.appendingPathComponent("vendorInt.pem").path], label: "v").certificates
        let rootSummary = try TrustStore.load(paths: [Self.fixtures.appendingPathComponent("rootA.pem").path], label: "r").certificates
        let acceptableLists: [[[UInt8]]] = [[], vendorInt.map(\.subjectDER), rootSummary.map(\.subjectDER),
                                            vendorInt.map(\.subjectDER) + rootSummary.map(\.subjectDER)]
        let store = try TrustStore.load(paths: [Self.fixtures.appendingPathComponent("rootA.pem").path], label: "test roots")
        let serverStore = try TrustStore.load(paths: [Self.fixtures.appendingPathComponent("vendorRoot.pem").path], label: "vendor")
        let trust = TrustConfiguration(clientTrust: store, clientTrustExplicit: true, serverTrust: serverStore)
        #expect(!root.isEmpty)

        let cache = CertificateCache()
        let shared = CertificateAnalyzer(trust: trust, cache: cache)
        var rng = SplitMix64(seed: 0xCE27)
        var sawMatch = (false, false)
        for _ in 0..<400 {
            let c = Self.connection(server: serverChains.randomElement(using: &rng)!, client: clientChains.randomElement(using: &rng)!,
                                    acceptable: acceptableLists.randomElement(using: &rng)!, sni: Self.names.randomElement(using: &rng)!,
                                    mac: [0x0022_ee09_0045, 0x0022_ee09_0046, 0].randomElement(using: &rng)!,
                                    // Whole hours apart: a verdict is kept per hour, the first one worked out in it (see the test below).
                                    at: 1_767_225_600 + Int64.random(in: 0...4, using: &rng) * 3_600)
            let seen = shared.analyze(c)
            let fresh = CertificateAnalyzer(trust: trust, cache: CertificateCache()).analyze(c)
            #expect(Self.describe(seen.server) == Self.describe(fresh.server))
            #expect(Self.describe(seen.client) == Self.describe(fresh.client))
            if let m = seen.server?.hostnameMatches { if m { sawMatch.0 = true } else { sawMatch.1 = true } }
        }
        #expect(sawMatch == (true, true))
    }

    /// The first verdict worked out in an hour is the one reused in that hour (its details name the time it
    /// was judged at), as when verdicts were kept in one dictionary by chain, store, purpose and hour.
    @Test func aVerdictIsReusedWithinItsHourOnly() throws {
        let chain = try Self.ders("expired", "intA")
        let store = try TrustStore.load(paths: [Self.fixtures.appendingPathComponent("rootA.pem").path], label: "test roots")
        let trust = TrustConfiguration(clientTrust: store, clientTrustExplicit: true, serverTrust: nil)
        let a = CertificateAnalyzer(trust: trust, cache: CertificateCache())
        let hour: Int64 = 1_767_225_600
        let first = a.analyze(Self.connection(server: chain, client: [], acceptable: [], sni: nil, mac: 0, at: hour + 10)).server
        let sameHour = a.analyze(Self.connection(server: chain, client: [], acceptable: [], sni: nil, mac: 0, at: hour + 3_000)).server
        let nextHour = a.analyze(Self.connection(server: chain, client: [], acceptable: [], sni: nil, mac: 0, at: hour + 3_700)).server
        let freshNext = CertificateAnalyzer(trust: trust, cache: CertificateCache())
            .analyze(Self.connection(server: chain, client: [], acceptable: [], sni: nil, mac: 0, at: hour + 3_700)).server
        #expect(sameHour?.verdict == first?.verdict)
        #expect(nextHour?.verdict == freshNext?.verdict)
        #expect(first?.verdict.issues.isEmpty == false)
    }

    @Test func derSequenceHashesAgreeWithEquality() {
        var rng = SplitMix64(seed: 0xDE5E)
        for _ in 0..<2_000 {
            let a = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
                (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...2, using: &rng) }
            }
            var b = a
            if !b.isEmpty && Bool.random(using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                if !b[i].isEmpty { b[i][Int.random(in: 0..<b[i].count, using: &rng)] ^= 1 }
            }
            let equal = a == b
            #expect((DERSequence(a) == DERSequence(b)) == equal)
            if equal { #expect(DERSequence(a).hashValue == DERSequence(b).hashValue) }
        }
    }
}
