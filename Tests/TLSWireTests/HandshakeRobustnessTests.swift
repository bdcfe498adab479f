import Testing
@testable import TLSWire
import WireCore
import TestSupport

/// Every parser is total: whole bodies (blast), every truncation and seeded single-byte
/// corruptions of real messages must return or throw TLSDecodeError, never trap or hang.
@Suite struct HandshakeRobustnessTests {
    /// What a strict prefix of a body may legitimately decode to.
    enum PrefixRule: Sendable {
        /// Every strict prefix throws `truncated` (a length-delimited structure).
        case throwsTruncated
        /// Every strict prefix throws (some code; layouts are guessed without a version).
        case throwsAnything
        /// A hello: a prefix may end right after the compression methods (no extensions block).
        case helloWithoutExtensions
        /// The ServerKeyExchange sniffer: a prefix may fit no layout and be kept as "unknown".
        case unknownKeyExchange
        /// Only the size is decoded (Finished, ClientKeyExchange): every prefix is a message.
        case anyLength
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var type: HandshakeType
        var body: [UInt8]
        var version: ProtocolVersion?
        var suite: UInt16?
        var rule: PrefixRule
        var description: String { "\(name) @ \(version?.description ?? "no version")" }
        var context: HandshakeContext {
            HandshakeContext(negotiatedVersion: version, cipherSuite: suite.map(CipherSuite.init(rawValue:)))
        }
    }

    static let cases: [Case] = {
        typealias F = HandshakeFixtures
        var c: [Case] = []
        func add(_ name: String, _ type: HandshakeType, _ body: [UInt8], _ versions: [ProtocolVersion?],
                 suite: UInt16? = nil, _ rule: PrefixRule, noVersionRule: PrefixRule? = nil) {
            for v in versions {
                c.append(Case(name: name, type: type, body: body, version: v, suite: suite,
                              rule: v == nil ? (noVersionRule ?? rule) : rule))
            }
        }
        add("tls13ClientHello", .clientHello, F.tls13ClientHello, [nil], .helloWithoutExtensions)
        add("tls12ClientHello", .clientHello, F.tls12ClientHello, [nil], .helloWithoutExtensions)
        add("tls10ClientHello", .clientHello, F.tls10ClientHello, [nil], .helloWithoutExtensions)
        add("chromeClientHello", .clientHello, F.chromeClientHello, [nil], .helloWithoutExtensions)
        add("hrrClientHello2", .clientHello, F.hrrClientHello2, [nil], .helloWithoutExtensions)
        add("tls13ServerHello", .serverHello, F.tls13ServerHello, [nil], .helloWithoutExtensions)
        add("tls12ServerHello", .serverHello, F.tls12ServerHello, [nil], .helloWithoutExtensions)
        add("tls10ServerHello", .serverHello, F.tls10ServerHello, [nil], .helloWithoutExtensions)
        add("helloRetryRequest", .serverHello, F.helloRetryRequest, [nil], .helloWithoutExtensions)
        add("tls12Certificate", .certificate, F.tls12Certificate, [.tls12, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls13Certificate", .certificate, F.tls13Certificate, [.tls13, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls12EmptyClientCertificate", .certificate, F.tls12EmptyClientCertificate, [.tls12, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls12CertificateRequest", .certificateRequest, F.tls12CertificateRequest, [.tls12, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls10CertificateRequest", .certificateRequest, F.tls10CertificateRequest, [.tls10, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls13CertificateRequest", .certificateRequest, F.tls13CertificateRequest, [.tls13, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls12ServerKeyExchangeECDHE", .serverKeyExchange, F.tls12ServerKeyExchangeECDHE, [.tls12, nil], suite: 0xc030, .unknownKeyExchange)
        add("tls10ServerKeyExchangeECDHE", .serverKeyExchange, F.tls10ServerKeyExchangeECDHE, [.tls10, nil], suite: 0xc014, .unknownKeyExchange)
        add("tls12ServerKeyExchangeDHE", .serverKeyExchange, F.tls12ServerKeyExchangeDHE, [.tls12, nil], suite: 0x009e, .unknownKeyExchange)
        add("tls12ServerKeyExchangeAnonECDH", .serverKeyExchange, F.tls12ServerKeyExchangeAnonECDH, [.tls12], suite: 0xc018, .unknownKeyExchange)
        add("tls12ServerKeyExchangeECDHEPSK", .serverKeyExchange, F.tls12ServerKeyExchangeECDHEPSK, [.tls12], suite: 0xc037, .unknownKeyExchange)
        add("tls12CertificateVerify", .certificateVerify, F.tls12CertificateVerify, [.tls12, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls13CertificateVerify", .certificateVerify, F.tls13CertificateVerify, [.tls13], .throwsTruncated)
        add("tls10CertificateVerify", .certificateVerify, F.tls10CertificateVerify, [.tls10, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls12NewSessionTicket", .newSessionTicket, F.tls12NewSessionTicket, [.tls12, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls13NewSessionTicket", .newSessionTicket, F.tls13NewSessionTicket, [.tls13, nil], .throwsTruncated, noVersionRule: .throwsAnything)
        add("tls13EncryptedExtensions", .encryptedExtensions, F.tls13EncryptedExtensions, [.tls13], .throwsTruncated)
        add("tls12CertificateStatus", .certificateStatus, F.tls12CertificateStatus, [.tls12], .throwsTruncated)
        add("tls12ClientKeyExchange", .clientKeyExchange, F.tls12ClientKeyExchange, [.tls12], .anyLength)
        add("tls13Finished", .finished, F.tls13Finished, [.tls13], .anyLength)
        return c
    }()

    static func run(_ c: Case, _ body: ArraySlice<UInt8>) -> Result<HandshakeMessage, TLSDecodeError> {
        do throws(TLSDecodeError) {
            return .success(try HandshakeMessage.parse(type: c.type, body: body, context: c.context))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: cases)
    func wholeBodyDecodesToItsOwnType(_ c: Case) {
        switch Self.run(c, c.body[...]) {
        case .success(let m): #expect(m.type == c.type)
        case .failure(let e): Issue.record("\(c): \(e)")
        }
    }

    @Test(arguments: cases)
    func everyTruncationThrowsOrIsALegalShorterMessage(_ c: Case) {
        var decodedPrefixes = 0
        for n in 0..<c.body.count {
            let result = Self.run(c, c.body.prefix(n))
            switch (c.rule, result) {
            case (.throwsTruncated, .failure(let e)):
                #expect(e.code == .truncated, "\(c) prefix \(n): \(e)")
            case (.throwsAnything, .failure), (.helloWithoutExtensions, .failure), (.unknownKeyExchange, .failure):
                break
            case (.helloWithoutExtensions, .success(.clientHello(let h))):
                #expect(!h.hasExtensionsBlock, "\(c) prefix \(n)")
                decodedPrefixes += 1
            case (.helloWithoutExtensions, .success(.serverHello(let h))):
                #expect(!h.hasExtensionsBlock, "\(c) prefix \(n)")
                decodedPrefixes += 1
            case (.unknownKeyExchange, .success(.serverKeyExchange(let s))):
                #expect(s.kind == "unknown", "\(c) prefix \(n)")
            case (.anyLength, .success(let m)):
                #expect(m.type == c.type)
            case (.anyLength, .failure(let e)):
                Issue.record("\(c) prefix \(n): \(e)")
            case (_, .success(let m)):
                Issue.record("\(c) prefix \(n) of \(c.body.count) decoded: \(m)")
            }
        }
        if case .helloWithoutExtensions = c.rule {
            #expect(decodedPrefixes == 1, "\(c): exactly one prefix (ending at the compression methods) is a hello")
        }
    }

    @Test(arguments: cases)
    func seededSingleByteCorruptionsNeverTrap(_ c: Case) {
        guard !c.body.isEmpty else { return }
        var rng = SplitMix64(seed: 0x7115_d1a6 ^ UInt64(c.body.count))
        var outcomes = (decoded: 0, thrown: 0)
        for _ in 0..<300 {
            var bytes = c.body
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] ^= UInt8.random(in: 1...255, using: &rng)
            switch Self.run(c, bytes[...]) {
            case .success(let m):
                #expect(m.type == c.type)
                outcomes.decoded += 1
            case .failure:
                outcomes.thrown += 1
            }
        }
        #expect(outcomes.decoded + outcomes.thrown == 300)
    }

    @Test(arguments: cases)
    func lengthFieldCorruptionsAtEveryOffsetNeverTrap(_ c: Case) {
        // Large values in any position stress every length field: 0x00, 0x7f, 0x80 and 0xff.
        for i in 0..<min(c.body.count, 400) {
            for v: UInt8 in [0x00, 0x7f, 0x80, 0xff] where c.body[i] != v {
                var bytes = c.body
                bytes[i] = v
                if case .success(let m) = Self.run(c, bytes[...]) { #expect(m.type == c.type) }
            }
        }
    }

    @Test(arguments: cases)
    func aSliceInsideALargerBufferDecodesLikeAFreshArray(_ c: Case) {
        let buffer = [UInt8](repeating: 0xaa, count: 7) + c.body + [0xbb, 0xbb, 0xbb]
        let slice = buffer[7..<(7 + c.body.count)]
        #expect(slice.startIndex == 7)
        switch (Self.run(c, slice), Self.run(c, c.body[...])) {
        case (.success(let a), .success(let b)): #expect(a == b)
        default: Issue.record("\(c): slice and array decode differently")
        }
    }

    @Test func randomBytesForEveryTypeNeverTrap() {
        var rng = SplitMix64(seed: 42)
        let contexts = [HandshakeContext(), HandshakeContext(negotiatedVersion: .tls10), HandshakeContext(negotiatedVersion: .tls12),
                        HandshakeContext(negotiatedVersion: .tls13), HandshakeContext(negotiatedVersion: ProtocolVersion(rawValue: 0x7f12))]
        var decoded = 0
        for type in 0...255 {
            for _ in 0..<20 {
                let count = Int.random(in: 0..<64, using: &rng)
                let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
                for context in contexts {
                    if let m = try? HandshakeMessage.parse(type: HandshakeType(rawValue: UInt8(type)), body: bytes[...], context: context) {
                        decoded += 1
                        if type != 6 { #expect(m.type.rawValue == UInt8(type)) }
                    }
                }
            }
            _ = try? ClientHello.parseSSLv2((0..<Int.random(in: 0..<80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }[...])
        }
        #expect(decoded > 0)  // unknown types, Finished and ClientKeyExchange always decode
    }
}
