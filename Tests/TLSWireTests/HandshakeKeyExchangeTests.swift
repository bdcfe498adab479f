import Testing
@testable import TLSWire
import WireCore

@Suite struct HandshakeKeyExchangeTests {
    func ske(_ bytes: [UInt8], version: ProtocolVersion?, suite: UInt16? = nil) throws -> ServerKeyExchange {
        guard case .serverKeyExchange(let s) = try hsParse(.serverKeyExchange, bytes, version: version, suite: suite) else {
            Issue.record("not a ServerKeyExchange")
            throw TLSDecodeError(.invalidValue, "test: wrong case")
        }
        return s
    }

    @Test func tls12ECDHEServerKeyExchangeNamesCurveAndSignatureScheme() throws {
        // 0xc030 = ECDHE_RSA_WITH_AES_256_GCM_SHA384; with or without a version the layout is found.
        for version in [ProtocolVersion.tls12, nil] {
            let s = try ske(HandshakeFixtures.tls12ServerKeyExchangeECDHE, version: version, suite: 0xc030)
            #expect(s.kind == "ecdhe")
            #expect(s.curveType == 3)
            #expect(s.namedCurve == .x25519)
            #expect(s.publicKeyLength == 32)
            #expect(s.signatureScheme?.rawValue == 0x0804)  // rsa_pss_rsae_sha256
            #expect(s.signatureLength == 256)
            #expect(s.length == 296)
            #expect(s.dhPrimeBits == nil)
        }
    }

    @Test func tls10ECDHEServerKeyExchangeHasNoSignatureAlgorithm() throws {
        for version in [ProtocolVersion.tls10, nil] {
            let s = try ske(HandshakeFixtures.tls10ServerKeyExchangeECDHE, version: version, suite: 0xc014)
            #expect(s.kind == "ecdhe")
            #expect(s.namedCurve == .x25519)
            #expect(s.signatureScheme == nil)
            #expect(s.signatureLength == 256)
        }
    }

    @Test func dheServerKeyExchangeReportsThePrimeSize() throws {
        for version in [ProtocolVersion.tls12, nil] {
            let s = try ske(HandshakeFixtures.tls12ServerKeyExchangeDHE, version: version, suite: 0x009e)
            #expect(s.kind == "dhe")
            #expect(s.dhPrimeBits == 2048)
            #expect(s.publicKeyLength == 256)
            #expect(s.signatureScheme?.rawValue == 0x0804)
            #expect(s.signatureLength == 256)
            #expect(s.namedCurve == nil)
        }
    }

    @Test func aKnownKeyExchangeDecidesTheLayoutAndAMismatchThrows() throws {
        // As the connection tracker gets it once the registry knows the suite.
        let ecdhe = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeECDHE[...], keyExchange: "ECDHE",
                                                anonymous: false, version: .tls12)
        #expect(ecdhe.kind == "ecdhe" && ecdhe.namedCurve == .x25519)
        let dhe = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeDHE[...], keyExchange: "DHE",
                                              anonymous: false, version: .tls12)
        #expect(dhe.dhPrimeBits == 2048)
        #expect(hsDecodeError {
            _ = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeDHE[...], keyExchange: "ECDHE", anonymous: false, version: .tls12)
        } != nil)
        // An anonymous exchange has no signature: the signed body has bytes left over.
        #expect(hsDecodeError {
            _ = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeECDHE[...], keyExchange: "ECDHE", anonymous: true, version: .tls12)
        }?.code == .trailingBytes)
    }

    @Test func anonymousECDHServerKeyExchangeIsUnsigned() throws {
        // 0xc018 = TLS_ECDH_anon_WITH_AES_128_CBC_SHA: the registry says ECDH / anon.
        let s = try ske(HandshakeFixtures.tls12ServerKeyExchangeAnonECDH, version: .tls12, suite: 0xc018)
        #expect(s.kind == "ecdhe")
        #expect(s.namedCurve == .x25519 && s.publicKeyLength == 32)
        #expect(s.signatureScheme == nil && s.signatureLength == nil)
        let direct = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeAnonECDH[...], keyExchange: "ECDH",
                                                 anonymous: true, version: .tls12)
        #expect(direct == s)
        // Without the suite only signed layouts are sniffed, so it stays unknown rather than guessed.
        #expect(try ske(HandshakeFixtures.tls12ServerKeyExchangeAnonECDH, version: .tls12).kind == "unknown")
    }

    @Test func ecdhePSKServerKeyExchangeCarriesTheIdentityHintFirst() throws {
        // 0xc037 = TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256, server `-psk_hint tlsdiag-hint`.
        let s = try ske(HandshakeFixtures.tls12ServerKeyExchangeECDHEPSK, version: .tls12, suite: 0xc037)
        #expect(s.kind == "ecdhe_psk")
        #expect(s.pskIdentityHint == "tlsdiag-hint")
        #expect(s.namedCurve == .x25519)
        #expect(s.signatureScheme == nil && s.signatureLength == nil)
        let direct = try ServerKeyExchange.parse(HandshakeFixtures.tls12ServerKeyExchangeECDHEPSK[...], keyExchange: "ECDHE_PSK",
                                                 anonymous: false, version: .tls12)
        #expect(direct == s)
    }

    @Test func aStaticDHSuiteSendsNoServerKeyExchangeSoOneThatArrivesIsSniffed() throws {
        // 0xc031 = TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256 (static ECDH): the ECDHE body is still recognised.
        let s = try ske(HandshakeFixtures.tls12ServerKeyExchangeECDHE, version: .tls12, suite: 0xc031)
        #expect(s.kind == "ecdhe" && s.namedCurve == .x25519 && s.signatureScheme?.rawValue == 0x0804)
    }

    @Test func explicitPrimeCurveParametersAreCheckedButNotNamed() throws {
        // RFC 4492 explicit_prime with one-byte fields, then a point and a TLS 1.0 signature.
        let one: [UInt8] = [1, 0x05]
        let params: [UInt8] = [1] + one + one + one + one + one + one  // p, a, b, base, order, cofactor
        let body = params + [2, 0x04, 0x01] + [0x00, 0x02, 0xaa, 0xbb]
        let s = try ServerKeyExchange.parse(body[...], keyExchange: "ECDHE", anonymous: false, version: .tls10)
        #expect(s.kind == "ecdhe" && s.curveType == 1 && s.namedCurve == nil)
        #expect(s.publicKeyLength == 2 && s.signatureLength == 2)
        var emptyOrder = body
        emptyOrder[9] = 0  // order <1..2^8-1> emptied: now lengths disagree
        #expect(hsDecodeError { _ = try ServerKeyExchange.parse(emptyOrder[...], keyExchange: "ECDHE", anonymous: false, version: .tls10) } != nil)
        #expect(hsDecodeError { _ = try ServerKeyExchange.parse(([7] + body.dropFirst())[...], keyExchange: "ECDHE", anonymous: false, version: .tls10) }?.code == .invalidValue)
    }

    @Test func anUnrecognisableServerKeyExchangeIsKeptAsUnknown() throws {
        let s = try ske([0xde, 0xad, 0xbe, 0xef, 0x00], version: .tls12)
        #expect(s.kind == "unknown")
        #expect(s.length == 5)
        #expect(s.namedCurve == nil && s.signatureScheme == nil)
    }

    @Test func primeBitLengthIgnoresLeadingZeroBytes() {
        #expect(ServerKeyExchange.bitLength([0x00, 0x00, 0x80, 0x00][...]) == 16)
        #expect(ServerKeyExchange.bitLength([0x01][...]) == 1)
        #expect(ServerKeyExchange.bitLength([0x00][...]) == 0)
        #expect(ServerKeyExchange.bitLength([][...]) == 0)
    }

    @Test func certificateVerifyHasASchemeFromTLS12On() throws {
        guard case .certificateVerify(let v12) = try hsParse(.certificateVerify, HandshakeFixtures.tls12CertificateVerify, version: .tls12),
              case .certificateVerify(let v13) = try hsParse(.certificateVerify, HandshakeFixtures.tls13CertificateVerify, version: .tls13),
              case .certificateVerify(let v10) = try hsParse(.certificateVerify, HandshakeFixtures.tls10CertificateVerify, version: .tls10),
              case .certificateVerify(let sniffed) = try hsParse(.certificateVerify, HandshakeFixtures.tls10CertificateVerify)
        else { Issue.record("not a CertificateVerify"); return }
        #expect(v12.signatureScheme?.rawValue == 0x0804 && v12.signatureLength == 256 && v12.length == 260)
        #expect(v13.signatureScheme?.rawValue == 0x0804 && v13.signatureLength == 256)
        #expect(v10.signatureScheme == nil && v10.signatureLength == 256 && v10.length == 258)
        #expect(sniffed == v10)
        // A 1.0 body read as 1.2 does not fit.
        #expect(hsDecodeError { _ = try hsParse(.certificateVerify, HandshakeFixtures.tls10CertificateVerify, version: .tls12) } != nil)
    }

    @Test func clientKeyExchangeAndFinishedKeepTheirSize() throws {
        #expect(try hsParse(.clientKeyExchange, HandshakeFixtures.tls12ClientKeyExchange, version: .tls12)
                == .clientKeyExchange(ClientKeyExchange(length: 33)))  // 1-byte length + X25519 point
        #expect(try hsParse(.finished, HandshakeFixtures.tls12Finished, version: .tls12) == .finished(Finished(length: 12)))
        #expect(try hsParse(.finished, HandshakeFixtures.tls13Finished, version: .tls13) == .finished(Finished(length: 48)))  // SHA-384
    }
}

@Suite struct HandshakeSmallMessageTests {
    @Test func tls12NewSessionTicketHasALifetimeHintAndATicket() throws {
        for version in [ProtocolVersion.tls12, nil] {
            guard case .newSessionTicket(let t) = try hsParse(.newSessionTicket, HandshakeFixtures.tls12NewSessionTicket, version: version) else {
                Issue.record("not a NewSessionTicket"); return
            }
            #expect(t.lifetimeSeconds == 7200)
            #expect(t.ticketLength == 176)
            #expect(!t.isTLS13Layout && t.ageAdd == nil && t.nonceLength == nil)
        }
    }

    @Test func tls13NewSessionTicketHasAgeAddAndNonce() throws {
        for version in [ProtocolVersion.tls13, nil] {
            guard case .newSessionTicket(let t) = try hsParse(.newSessionTicket, HandshakeFixtures.tls13NewSessionTicket, version: version) else {
                Issue.record("not a NewSessionTicket"); return
            }
            #expect(t.isTLS13Layout)
            #expect(t.lifetimeSeconds == 7200)
            #expect(t.ageAdd == 4_190_904_878)
            #expect(t.nonceLength == 8)
            #expect(t.ticketLength == 208)
            #expect(t.extensions.isEmpty && t.maxEarlyDataSize == nil)
        }
    }

    @Test func draftNewSessionTicketWithoutNonceIsAccepted() throws {
        // draft -20 and before: lifetime, age_add, ticket, extensions (early_data carrying max size).
        let early = HandshakeHelloBuilder.ext(42, [0, 0, 0x40, 0])
        let body: [UInt8] = [0, 0, 0x1c, 0x20, 1, 2, 3, 4] + HandshakeHelloBuilder.v16([9, 9, 9]) + HandshakeHelloBuilder.v16(early)
        guard case .newSessionTicket(let t) = try hsParse(.newSessionTicket, body, version: ProtocolVersion(rawValue: 0x7f14)) else {
            Issue.record("not a NewSessionTicket"); return
        }
        #expect(t.lifetimeSeconds == 7200 && t.ticketLength == 3 && t.nonceLength == nil)
        #expect(t.maxEarlyDataSize == 16384)
    }

    @Test func emptyEncryptedExtensions() throws {
        #expect(HandshakeFixtures.tls13EncryptedExtensions == [0, 0])
        guard case .encryptedExtensions(let ee) = try hsParse(.encryptedExtensions, HandshakeFixtures.tls13EncryptedExtensions, version: .tls13) else {
            Issue.record("not EncryptedExtensions"); return
        }
        #expect(ee.extensions.isEmpty && ee.alpnProtocol == nil)
        let alpn = HandshakeHelloBuilder.ext(16, HandshakeHelloBuilder.v16(HandshakeHelloBuilder.v8(Array("h2".utf8))))
        let sni = HandshakeHelloBuilder.ext(0, [])
        guard case .encryptedExtensions(let ee2) = try hsParse(.encryptedExtensions, HandshakeHelloBuilder.v16(sni + alpn), version: .tls13) else { return }
        #expect(ee2.alpnProtocol == "h2" && ee2.hasServerNameAck)
    }

    @Test func emptyMessagesMustBeEmpty() throws {
        #expect(try hsParse(.serverHelloDone, []) == .serverHelloDone)
        #expect(try hsParse(.helloRequest, []) == .helloRequest)
        #expect(try hsParse(.endOfEarlyData, []) == .endOfEarlyData)
        for type in [HandshakeType.serverHelloDone, .helloRequest, .endOfEarlyData] {
            #expect(hsDecodeError { _ = try hsParse(type, [0]) }?.code == .trailingBytes)
        }
    }

    @Test func keyUpdateIsOneByteZeroOrOne() throws {
        #expect(try hsParse(.keyUpdate, [0]) == .keyUpdate(requestUpdate: false))
        #expect(try hsParse(.keyUpdate, [1]) == .keyUpdate(requestUpdate: true))
        #expect(hsDecodeError { _ = try hsParse(.keyUpdate, [2]) }?.code == .invalidValue)
        #expect(hsDecodeError { _ = try hsParse(.keyUpdate, []) }?.code == .truncated)
        #expect(hsDecodeError { _ = try hsParse(.keyUpdate, [1, 0]) }?.code == .trailingBytes)
    }

    @Test func typesNotDecodedHereAreKeptAsUnknownWithTheirLength() throws {
        let m = try hsParse(.compressedCertificate, [1, 2, 3])
        #expect(m == .unknown(type: .compressedCertificate, length: 3))
        #expect(m.type == .compressedCertificate)
        #expect(try hsParse(HandshakeType(rawValue: 67), []).type.rawValue == 67)  // next_protocol
    }

    @Test func aBodyLongerThanAHandshakeHeaderCanSayIsTooLarge() {
        let huge = [UInt8](repeating: 0, count: HandshakeMessage.maximumBodyLength + 1)
        #expect(hsDecodeError { _ = try HandshakeMessage.parse(type: .finished, body: huge[...], context: HandshakeContext()) }?.code == .tooLarge)
    }

    @Test func messageTypeMatchesTheParsedCase() throws {
        let cases: [(HandshakeType, [UInt8], ProtocolVersion?)] = [
            (.clientHello, HandshakeFixtures.tls12ClientHello, nil),
            (.serverHello, HandshakeFixtures.tls12ServerHello, nil),
            (.certificate, HandshakeFixtures.tls12Certificate, .tls12),
            (.serverKeyExchange, HandshakeFixtures.tls12ServerKeyExchangeECDHE, .tls12),
            (.certificateRequest, HandshakeFixtures.tls12CertificateRequest, .tls12),
            (.serverHelloDone, [], .tls12),
            (.clientKeyExchange, HandshakeFixtures.tls12ClientKeyExchange, .tls12),
            (.certificateVerify, HandshakeFixtures.tls12CertificateVerify, .tls12),
            (.finished, HandshakeFixtures.tls12Finished, .tls12),
            (.newSessionTicket, HandshakeFixtures.tls12NewSessionTicket, .tls12),
            (.certificateStatus, HandshakeFixtures.tls12CertificateStatus, .tls12),
            (.encryptedExtensions, HandshakeFixtures.tls13EncryptedExtensions, .tls13),
            (.keyUpdate, [0], .tls13),
        ]
        for (type, body, version) in cases {
            #expect(try hsParse(type, body, version: version).type == type)
        }
    }

    @Test func decodeErrorsCompareByCodeAndDescribeTheField() {
        #expect(TLSDecodeError(.truncated, "a") == TLSDecodeError(.truncated, "b"))
        #expect(TLSDecodeError(.truncated, "a") != TLSDecodeError(.trailingBytes, "a"))
        let e = hsDecodeError { _ = try hsParse(.clientHello, [0x03, 0x03, 0x01]) }
        #expect(e?.code == .truncated)
        #expect(e?.description == "truncated: ClientHello: random needs 32 bytes, 1 remain in the body")
    }
}
