import Testing
import WireCore
import TLSWire
import TestSupport
@testable import Diagnosis

/// Texts looked up by what they are made of must be the texts made from it, whether the memo kept them or not.
@Suite struct TextMemoTests {
    static let subjects: [String?] = [nil, "CN=pbx.example.com", "CN=Grüße — ünïcödé, O=例え", "CN=device-0042, O=Vendor"]
    static let versions: [ProtocolVersion?] = [nil, .tls10, .tls12, .tls13, ProtocolVersion(rawValue: 0x7f1c), ProtocolVersion(rawValue: 0x1234)]
    static let ciphers: [CipherSuite?] = [nil, CipherSuite(rawValue: 0x1301), CipherSuite(rawValue: 0xc02f), CipherSuite(rawValue: 0x000a),
                                          CipherSuite(rawValue: 0xfefe)]

    static func randomKey(_ rng: inout SplitMix64) -> HandshakeOKRule.TextKey {
        let auth: HandshakeOKRule.TextKey.ClientAuthentication
        switch Int.random(in: 0...2, using: &rng) {
        case 0: auth = .certificate(leafSubject: subjects.randomElement(using: &rng)!)
        case 1: auth = .notVisible
        default: auth = .none
        }
        return HandshakeOKRule.TextKey(
            version: versions.randomElement(using: &rng)!, cipher: ciphers.randomElement(using: &rng)!, clientAuthentication: auth,
            serverSubject: subjects.randomElement(using: &rng)!,
            serverNotAfter: Bool.random(using: &rng) ? nil : Timestamp(seconds: Int64.random(in: 0...4_000_000_000, using: &rng), nanoseconds: 0),
            isTLS13: Bool.random(using: &rng), resumed: Bool.random(using: &rng))
    }

    /// The texts as the rule wrote them before it remembered them: the parts, joined.
    static func referenceTexts(_ k: HandshakeOKRule.TextKey) -> (String, String) {
        var parts = [k.version?.description ?? "unknown version"]
        if let c = k.cipher { parts.append(c.description) }
        switch k.clientAuthentication {
        case .certificate(let s): parts.append("client authenticated with a certificate" + (s.map { " (\($0))" } ?? ""))
        case .notVisible: parts.append("client authentication not visible (TLS 1.3 encrypts it)")
        case .none: parts.append("no client certificate")
        }
        if let s = k.serverSubject, let t = k.serverNotAfter {
            parts.append("server certificate \(s), valid until \(t.rfc3339Seconds)")
        } else if k.isTLS13 {
            parts.append("server certificate encrypted (TLS 1.3)")
        }
        if k.resumed { parts.append("resumed session") }
        return ("Handshake completed: " + parts.joined(separator: ", "),
                "Both sides completed the TLS handshake (" + parts.joined(separator: "; ") + ").")
    }

    @Test func handshakeOKTextsAreTheJoinedPartsWhetherRememberedOrNot() {
        var rng = SplitMix64(seed: 0x4A5D)
        // A small limit, so that both kept and unkept keys are asked for, each several times.
        let memo = TextMemo<HandshakeOKRule.TextKey, HandshakeOKRule.Texts>(limit: 40)
        for _ in 0..<3_000 {
            let key = Self.randomKey(&rng)
            let (title, explanation) = Self.referenceTexts(key)
            let t = memo.value(for: key, make: HandshakeOKRule.texts)
            #expect(Array(t.title.utf8) == Array(title.utf8))
            #expect(Array(t.explanation.utf8) == Array(explanation.utf8))
        }
        #expect(memo.count == 40)
    }

    @Test func memoMakesAKeptValueOnce() {
        let memo = TextMemo<Int, String>(limit: 2)
        var made = 0
        func make(_ k: Int) -> String { made += 1; return "v\(k)" }
        #expect(memo.value(for: 1, make: make) == "v1")
        #expect(memo.value(for: 1, make: make) == "v1")
        #expect(memo.value(for: 2, make: make) == "v2")
        #expect(made == 2)
        // Past the limit: made each time, still right.
        #expect(memo.value(for: 3, make: make) == "v3")
        #expect(memo.value(for: 3, make: make) == "v3")
        #expect(made == 4)
        #expect(memo.count == 2)
    }

    /// The eager version `legacyOnly` had before it stopped at the first modern suite.
    static func referenceLegacyOnly(_ ch: ClientHello) -> Bool {
        let suites = ch.cipherSuites.compactMap(\.info).filter { !$0.name.isEmpty && !$0.keyExchange.isEmpty || $0.tls13Only }
        guard !suites.isEmpty else { return false }
        return suites.allSatisfy { !$0.forwardSecret || !$0.weaknesses.isEmpty || $0.encryption.hasSuffix("CBC") }
    }

    @Test func legacyOnlyAgreesWithTheEagerTestForAnyOffer() {
        // Modern, CBC, static RSA, weak, TLS 1.3, signalling, GREASE and unknown suites.
        let suites: [UInt16] = [0xc02f, 0xc030, 0xcca8, 0xc013, 0xc014, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004, 0x0001,
                                0x1301, 0x1302, 0x00ff, 0x5600, 0x0a0a, 0xfefe, 0x009e, 0x0033]
        var rng = SplitMix64(seed: 0x1E6A)
        var sawBoth = (false, false)
        for _ in 0..<3_000 {
            var hello = ClientHello()
            hello.cipherSuites = (0..<Int.random(in: 0...6, using: &rng)).map { _ in CipherSuite(rawValue: suites.randomElement(using: &rng)!) }
            let expected = Self.referenceLegacyOnly(hello)
            if expected { sawBoth.0 = true } else { sawBoth.1 = true }
            #expect(NegotiationDiff.legacyOnly(hello) == expected, "\(hello.cipherSuites.map(\.rawValue))")
        }
        #expect(sawBoth == (true, true))
    }

    /// DER of a Name with one CN (short-form lengths: values under 100 bytes).
    static func commonName(_ cn: String) -> [UInt8] {
        let value: [UInt8] = [0x0c, UInt8(cn.utf8.count)] + Array(cn.utf8)
        let attribute: [UInt8] = [0x30, UInt8(5 + value.count), 0x06, 0x03, 0x55, 0x04, 0x03] + value
        let set: [UInt8] = [0x31, UInt8(attribute.count)] + attribute
        return [0x30, UInt8(set.count)] + set
    }

    @Test func acceptableCANamesAreRenderedAsOpenSSLRendersThem() {
        let rule = ClientCertMissingRule()
        let names = [Self.commonName("Vendor Device CA"), Self.commonName("Grüße CA, Inc."), Self.commonName("Root+1"),
                     [0x30, 0x03, 0x01], []]
        #expect(DNText.render(names[0]) == "CN=Vendor Device CA")
        #expect(DNText.render(names[3]) == nil)
        for _ in 0..<3 {
            for der in names {
                #expect(rule.caName(der) == DNText.render(der), "\(der)")
            }
        }
    }

    /// `offered` as it was before it remembered its evidence by the hello's lists.
    static func referenceOffered(_ ch: ClientHello) -> [Evidence] {
        var e = [Evidence("client offered versions", ch.offeredVersions.map(\.description).joined(separator: ", "))]
        let suites = ch.cipherSuites.filter { !$0.isGREASE && !$0.isSignalling }
        e.append(Evidence("client offered \(suites.count) cipher suites", suites.map(\.description).joined(separator: ", ")))
        let groups = ch.supportedGroups.filter { !$0.isGREASE }
        if !groups.isEmpty { e.append(Evidence("client offered groups", groups.map(\.description).joined(separator: ", "))) }
        let sigs = ch.signatureAlgorithms.filter { !$0.isGREASE }
        if !sigs.isEmpty { e.append(Evidence("client offered signature algorithms", sigs.map(\.description).joined(separator: ", "))) }
        return e
    }

    @Test func offerEvidenceIsTheSameWhetherRememberedOrNot() {
        let suites: [UInt16] = [0xc02f, 0xc013, 0x002f, 0x000a, 0x1301, 0x00ff, 0x5600, 0x0a0a, 0xfefe]
        let groups: [UInt16] = [0x001d, 0x0017, 0x0a0a, 0x0100, 0x7777]
        let sigs: [UInt16] = [0x0403, 0x0804, 0x0201, 0x1a1a, 0xeeee]
        var rng = SplitMix64(seed: 0x0FFE)
        for _ in 0..<2_000 {
            var hello = ClientHello()
            hello.legacyVersion = FastPathTests.versions.randomElement(using: &rng)!
            hello.supportedVersions = (0..<Int.random(in: 0...3, using: &rng)).map { _ in FastPathTests.versions.randomElement(using: &rng)! }
            hello.cipherSuites = (0..<Int.random(in: 0...4, using: &rng)).map { _ in CipherSuite(rawValue: suites.randomElement(using: &rng)!) }
            hello.supportedGroups = (0..<Int.random(in: 0...2, using: &rng)).map { _ in NamedGroup(rawValue: groups.randomElement(using: &rng)!) }
            hello.signatureAlgorithms = (0..<Int.random(in: 0...2, using: &rng)).map { _ in SignatureScheme(rawValue: sigs.randomElement(using: &rng)!) }
            #expect(NegotiationDiff.offered(hello) == Self.referenceOffered(hello))
        }
    }
}
