import Testing
import Foundation
import WireCore
import TLSWire
@testable import Connections
import Packets
import X509Inspect
import TestSupport
@testable import Diagnosis

/// The texts of findings are partly remembered (chain evidence, alert descriptions, server names) and partly
/// written in one piece instead of by interpolation; the server's chain problems are read in one pass. Each
/// is held here to the code it replaced, on random inputs (seeded: a failure can be made again).
@Suite struct RuleTextFastPathTests {
    static let t0 = Timestamp(seconds: 1_767_225_600, nanoseconds: 0)
    static let subjects = ["CN=pbx.example.com,O=Example", "CN=Grüße — ünïcödé,O=例え", "CN=Example Intermediate A,O=Example", ""]
    static let kinds: [ChainIssue.Kind] = [.expired, .notYetValid, .incompleteChain, .selfSignedLeaf, .missingServerAuthEKU,
                                           .invalidPurpose, .untrustedRoot, .weakKey, .weakSignature, .badSignature, .outOfOrder,
                                           ChainIssue.Kind(rawValue: "something_new")]

    static func summary(_ rng: inout SplitMix64) -> CertificateSummary {
        CertificateSummary(subject: subjects.randomElement(using: &rng)!, issuer: subjects.randomElement(using: &rng)!,
                           notBefore: Timestamp(seconds: Int64.random(in: 1_500_000_000...1_800_000_000, using: &rng), nanoseconds: 0),
                           notAfter: Timestamp(seconds: Int64.random(in: 1_500_000_000...2_000_000_000, using: &rng),
                                               nanoseconds: Int32.random(in: 0...1, using: &rng)),
                           isCA: Bool.random(using: &rng))
    }

    static func chain(_ rng: inout SplitMix64) -> ChainReport {
        let certificates = (0..<Int.random(in: 0...3, using: &rng)).map { _ -> SentCertificate in
            let der = [UInt8](repeating: 0x30, count: Int.random(in: 2...5, using: &rng))
            return Int.random(in: 0...4, using: &rng) == 0
                ? SentCertificate(der: der, summary: nil, decodeError: ["truncated", "bad tag", nil].randomElement(using: &rng)!)
                : SentCertificate(der: der, summary: summary(&rng), decodeError: nil)
        }
        let issues = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            ChainIssue(kind: kinds.randomElement(using: &rng)!, certificateIndex: [nil, 0, 1, 2, 5].randomElement(using: &rng)!,
                       detail: "detail")
        }
        let verdict = ChainVerdict(status: [.trusted, .untrusted, .notChecked].randomElement(using: &rng)!,
                                   storeLabel: [nil, "system", "test roots"].randomElement(using: &rng)!, issues: issues,
                                   opensslErrorText: [nil, "unable to get local issuer certificate"].randomElement(using: &rng)!)
        return ChainReport(sender: .server, frame: Int.random(in: 1...99, using: &rng), certificates: certificates, verdict: verdict,
                           judgedAt: t0, hostnameChecked: "sip.example.com", hostnameSource: "SNI",
                           hostnameMatches: [nil, true, false].randomElement(using: &rng)!, certificateMAC: nil, frameMAC: nil,
                           acceptableCAMatch: nil, acceptableCANames: [])
    }

    static func connection(client: IPAddress, mac: EthernetAddress?, server: Endpoint, sni: String?) -> Connection {
        var tls = TLSSummary()
        var hello = ClientHello()
        if let sni { hello.serverName = sni }
        tls.clientHello = Located(hello, frame: 4, firstFrame: 4, time: t0)
        return Connection(id: 1, input: 0, firstFrame: 1, lastFrame: 10, startTime: t0, endTime: t0,
                          client: Endpoint(ip: client, port: 50712), server: server, clientMAC: mac, serverMAC: nil, vlanIDs: [],
                          roleBasis: .syn, tcp: TCPSummary(), tls: tls, transcript: [], transcriptTruncated: false, anomalies: [],
                          outcome: .established, established: true, tls13: nil, endReason: "closed")
    }

    static func context(_ c: Connection, serverChain: ChainReport? = nil, explicit: Bool = false) -> RuleContext {
        RuleContext(analyzed: AnalyzedConnection(connection: c, serverChain: serverChain), profile: nil,
                    trust: TrustConfiguration(clientTrust: .empty, clientTrustExplicit: explicit, serverTrust: nil))
    }

    static let plainConnection = connection(client: IPAddress(v4: 0x0a00_0014), mac: nil,
                                            server: Endpoint(ip: IPAddress(v4: 0x0a00_0005), port: 5061), sni: nil)

    @Test func chainEvidenceIsTheSameWhetherRememberedOrNot() {
        var rng = SplitMix64(seed: 0xC4A1)
        for _ in 0..<3_000 {
            let chain = Self.chain(&rng)
            let label = ["server certificate", "client certificate"].randomElement(using: &rng)!
            let ctx = Self.context(Self.plainConnection)
            let fast = ctx.chainEvidence(chain, label: label)
            let reference = RuleContext.chainEvidenceTexts(chain, label: label)
            #expect(fast == reference)
            #expect(fast.map { Array($0.value.utf8) } == reference.map { Array($0.value.utf8) })
        }
        #expect(Self.context(Self.plainConnection).chainEvidence(nil, label: "x").isEmpty)
    }

    /// `serverProblems` as it was: each kind asked for in turn.
    static func referenceProblems(_ ctx: RuleContext) -> [RuleID] {
        var out: [RuleID] = []
        if ctx.serverIssue(.expired) != nil { out.append(.certExpired) }
        if ctx.serverIssue(.notYetValid) != nil { out.append(.certNotYetValid) }
        if ctx.missingIntermediate != nil { out.append(.chainIncomplete) }
        if ctx.serverIssue(.selfSignedLeaf) != nil { out.append(.certSelfSigned) }
        if ctx.serverIssue(.missingServerAuthEKU) != nil || ctx.serverIssue(.invalidPurpose) != nil { out.append(.wrongKeyUsage) }
        if ctx.analyzed.serverChain?.hostnameMatches == false { out.append(.hostnameMismatch) }
        if ctx.trust.clientTrustExplicit && (ctx.serverIssue(.untrustedRoot) != nil || ctx.missingRoot != nil) { out.append(.chainUntrusted) }
        if ctx.serverIssue(.weakKey) != nil { out.append(.weakKey) }
        if ctx.serverIssue(.weakSignature) != nil { out.append(.weakSignature) }
        return out
    }

    @Test func serverProblemsAgreeWithTheKindByKindVersion() {
        var rng = SplitMix64(seed: 0x5EB0)
        var sawIncomplete = (false, false)
        for _ in 0..<3_000 {
            let chain = Self.chain(&rng)
            let ctx = Self.context(Self.plainConnection, serverChain: Int.random(in: 0...9, using: &rng) == 0 ? nil : chain,
                                   explicit: Bool.random(using: &rng))
            let problems = ctx.serverProblems()
            #expect(problems == Self.referenceProblems(ctx))
            if ctx.serverIssue(.incompleteChain) != nil {
                if ctx.missingIntermediate != nil { sawIncomplete.0 = true } else { sawIncomplete.1 = true }
            }
        }
        #expect(sawIncomplete == (true, true))
    }

    /// `AlertSemantics.describe` as it was, written piece by piece.
    static func referenceDescribe(_ a: AlertRecord) -> String {
        var s: String
        if let d = a.description {
            s = "\(a.level?.description ?? "?") \(d) from the \(a.sender.rawValue)"
        } else if a.inferred {
            s = "encrypted alert from the \(a.sender.rawValue) (inferred: a \(a.recordLength)-byte TLS 1.3 record, the size of an alert)"
        } else {
            s = "encrypted alert from the \(a.sender.rawValue) (\(a.recordLength)-byte record; its type is hidden)"
        }
        s += " (frame \(a.frame))"
        if let after = a.after { s += ", after \(after)" }
        return s
    }

    @Test func alertDescriptionsAreTheSameWhetherRememberedOrNot() {
        var rng = SplitMix64(seed: 0xA1E7)
        for _ in 0..<3_000 {
            let encrypted = Bool.random(using: &rng)
            let a = AlertRecord(frame: Int.random(in: 0...100_000, using: &rng), time: Self.t0, sender: Bool.random(using: &rng) ? .client : .server,
                                level: encrypted && Bool.random(using: &rng) ? nil : AlertLevel(rawValue: UInt8.random(in: 0...3, using: &rng)),
                                description: encrypted ? nil : AlertDescription(rawValue: [0, 40, 42, 48, 70, 116, 200].randomElement(using: &rng)!),
                                encrypted: encrypted, recordLength: [2, 19, 24].randomElement(using: &rng)!,
                                inferred: Bool.random(using: &rng), after: [nil, "Certificate from the server (frame 7)", "Grüße — 例え"].randomElement(using: &rng)!,
                                duringHandshake: true)
            #expect(Array(AlertSemantics.describe(a).utf8) == Array(Self.referenceDescribe(a).utf8))
        }
    }

    @Test func partyNamesAreTheInterpolatedOnes() {
        var rng = SplitMix64(seed: 0x9A27)
        let ips = [IPAddress(v4: 0x0a00_0014), IPAddress(v4: 0xc000_020e), IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: 1),
                   IPAddress(v6High: 0xfe80_0000_0000_0000, v6Low: 0x0222_eeff_fe09_0045)]
        let macs: [EthernetAddress?] = [nil, EthernetAddress(value: 0), EthernetAddress(value: 0x0022_ee09_0045), EthernetAddress(value: 0xffff_ffff_ffff)]
        let names: [String?] = [nil, "sip.example.com", "Grüße.example", ""]
        for _ in 0..<2_000 {
            let c = Self.connection(client: ips.randomElement(using: &rng)!, mac: macs.randomElement(using: &rng)!,
                                    server: Endpoint(ip: ips.randomElement(using: &rng)!, port: [443, 5061, 8443].randomElement(using: &rng)!),
                                    sni: names.randomElement(using: &rng)!)
            let ctx = Self.context(c)
            let mac = c.clientMAC.flatMap { $0.isZero ? nil : ", \($0)" } ?? ""
            let device = "the device (TLS client \(c.client.ip)\(mac))"
            let server = "the server \(c.server)" + (c.tls.serverName.map { " (\($0))" } ?? "")
            #expect(ctx.device == device)
            #expect(ctx.deviceCapitalized == device.capitalizedFirst)
            #expect(ctx.server == server)
            #expect(ctx.serverCapitalized == server.capitalizedFirst)
        }
    }

    @Test func handshakeOKKeysThatAreEqualHashAlike() {
        var rng = SplitMix64(seed: 0x4A5E)
        for _ in 0..<3_000 {
            let a = TextMemoTests.randomKey(&rng)
            let b = TextMemoTests.randomKey(&rng)
            if a == b { #expect(a.hashValue == b.hashValue) }
            // The same key made twice (other string storage) is equal and hashes alike.
            var c = a
            c.serverSubject = a.serverSubject.map { String(decoding: Array($0.utf8), as: UTF8.self) }
            #expect(c == a)
            #expect(c.hashValue == a.hashValue)
        }
    }

    @Test func issuerSearchAnswersAsFoundationDoes() {
        let texts = ["CN=Algo Device CA,O=Algo Communication Products", "CN=Vendor Device CA", "", "algo", "ALGO Inc",
                     "CN=Ålgo Device CA", "CN=Algo\u{301} CA", "CN=Grüße CA, Inc.", "AlgAlgo", "Alg"]
        let parts = ["Algo", "algo", "", "Algo ", "CN=", "Ålgo", "o\u{301}", "e CA", "AlgAlgo", "Grüße"]
        for text in texts {
            for part in parts {
                #expect(VendorProfile.contains(text, part) == text.contains(part), "\(text) / \(part)")
            }
        }
        var rng = SplitMix64(seed: 0xA160)
        let letters: [Character] = ["A", "l", "g", "o", " ", "C", "N", "="]
        for _ in 0..<3_000 {
            let text = String((0..<Int.random(in: 0...12, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
            let part = String((0..<Int.random(in: 0...4, using: &rng)).map { _ in letters.randomElement(using: &rng)! })
            #expect(VendorProfile.contains(text, part) == text.contains(part), "\(text) / \(part)")
        }
    }
}
