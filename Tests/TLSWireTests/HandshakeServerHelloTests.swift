import Testing
@testable import TLSWire
import WireCore

func hsParseServerHello(_ bytes: [UInt8], type: HandshakeType = .serverHello) throws -> ServerHello {
    let message = try HandshakeMessage.parse(type: type, body: bytes[...], context: HandshakeContext())
    guard case .serverHello(let h) = message else {
        Issue.record("not decoded as a ServerHello: \(message)")
        throw TLSDecodeError(.invalidValue, "test: wrong case")
    }
    #expect(message.type == .serverHello)
    return h
}

@Suite struct HandshakeServerHelloTests {
    @Test func tls13ServerHelloSelectsTLS13ThroughSupportedVersions() throws {
        let h = try hsParseServerHello(HandshakeFixtures.tls13ServerHello)
        let client = try hsParseClientHello(HandshakeFixtures.tls13ClientHello)
        #expect(h.legacyVersion == .tls12)
        #expect(h.selectedVersion == .tls13)
        #expect(h.negotiatedVersion == .tls13)
        #expect(h.cipherSuite.rawValue == 0x1302)
        #expect(h.keyShareGroup == .x25519)
        #expect(h.extensions.map(\.type.rawValue) == [43, 51])
        #expect(h.sessionID == client.sessionID)  // legacy_session_id_echo
        #expect(!h.isHelloRetryRequest)
        #expect(h.downgradeSentinel == nil)
        #expect(h.compressionMethod == 0)
        #expect(h.extensionErrors.isEmpty)
    }

    @Test func tls12ServerHelloNegotiatesByLegacyVersion() throws {
        let h = try hsParseServerHello(HandshakeFixtures.tls12ServerHello)
        #expect(h.selectedVersion == nil)
        #expect(h.negotiatedVersion == .tls12)
        #expect(h.cipherSuite.rawValue == 0xc030)
        #expect(h.extensions.map(\.type.rawValue) == [0xff01, 11, 35, 23])
        #expect(h.hasRenegotiationInfo && h.hasSessionTicket && h.hasExtendedMasterSecret)
        #expect(h.keyShareGroup == nil && h.alpnProtocol == nil)
        #expect(h.sessionID.isEmpty)
    }

    @Test func tls13CapableServerAnsweringATLS10ClientSetsTheDowngradeSentinel() throws {
        let h = try hsParseServerHello(HandshakeFixtures.tls10ServerHello)
        #expect(h.negotiatedVersion == .tls10)
        #expect(h.cipherSuite.rawValue == 0xc014)
        #expect(h.downgradeSentinel == .tls11)  // "DOWNGRD" 00: negotiated TLS 1.1 or below
    }

    @Test func helloRetryRequestIsRecognisedByItsMagicRandomAndNamesTheGroup() throws {
        let hrr = try hsParseServerHello(HandshakeFixtures.helloRetryRequest)
        #expect(hrr.isHelloRetryRequest)
        #expect(hrr.random == ServerHello.helloRetryRequestRandom)
        #expect(hrr.keyShareGroup == .secp256r1)  // selected_group: what the server wants a share for
        #expect(hrr.selectedVersion == .tls13)
        #expect(hrr.cipherSuite.rawValue == 0x1302)
        #expect(hrr.extensions.map(\.type.rawValue) == [43, 51])
        #expect(hrr.extensionErrors.isEmpty)

        let final = try hsParseServerHello(HandshakeFixtures.hrrServerHello)
        #expect(!final.isHelloRetryRequest)
        #expect(final.keyShareGroup == .secp256r1)
        #expect(final.negotiatedVersion == .tls13)
    }

    @Test func draft18ServerHelloHasNoSessionIDAndNoCompression() throws {
        // draft-ietf-tls-tls13-18 layout, built by hand: version 0x7f12, random, suite, extensions
        // with key_share at its draft code point 40.
        let random = [UInt8](repeating: 0x42, count: 32)
        let keyShare = HandshakeHelloBuilder.ext(40, HandshakeHelloBuilder.u16(29) + HandshakeHelloBuilder.v16([UInt8](repeating: 9, count: 32)))
        let body = [0x7f, 0x12] + random + [0x13, 0x01] + HandshakeHelloBuilder.v16(keyShare)
        let h = try hsParseServerHello(body)
        #expect(h.isDraftLayout)
        #expect(h.negotiatedVersion.rawValue == 0x7f12)
        #expect(h.negotiatedVersion.isTLS13Draft)
        #expect(h.cipherSuite.rawValue == 0x1301)
        #expect(h.keyShareGroup == .x25519)
        #expect(h.sessionID.isEmpty)
    }

    @Test func draftHelloRetryRequestMessageBecomesARetryServerHello() throws {
        let selectGroup = HandshakeHelloBuilder.ext(40, HandshakeHelloBuilder.u16(23))
        let cookie = HandshakeHelloBuilder.ext(44, HandshakeHelloBuilder.v16([1, 2, 3]))
        // draft -19..-21: version, cipher_suite, extensions
        let withSuite = try hsParseServerHello([0x7f, 0x14, 0x13, 0x01] + HandshakeHelloBuilder.v16(selectGroup + cookie),
                                             type: HandshakeType(rawValue: 6))
        #expect(withSuite.isHelloRetryRequest && withSuite.isDraftLayout)
        #expect(withSuite.cipherSuite.rawValue == 0x1301)
        #expect(withSuite.keyShareGroup == .secp256r1)
        #expect(withSuite.hasCookie)
        #expect(withSuite.negotiatedVersion.rawValue == 0x7f14)
        // draft -13..-18: version, extensions
        let without = try hsParseServerHello([0x7f, 0x12] + HandshakeHelloBuilder.v16(selectGroup), type: HandshakeType(rawValue: 6))
        #expect(without.isHelloRetryRequest)
        #expect(without.keyShareGroup == .secp256r1)
        #expect(hsDecodeError { _ = try HandshakeMessage.parse(type: HandshakeType(rawValue: 6), body: [0x7f, 0x12, 0x00][...],
                                                             context: HandshakeContext()) } != nil)
    }

    @Test func serverALPNMustNameExactlyOneProtocol() throws {
        let real = try hsParseServerHello(HandshakeFixtures.tls12ServerHello)
        func encode(_ exts: [TLSExtension]) -> [UInt8] {
            HandshakeHelloBuilder.u16(Int(real.legacyVersion.rawValue)) + real.random + HandshakeHelloBuilder.v8(real.sessionID)
                + HandshakeHelloBuilder.u16(Int(real.cipherSuite.rawValue)) + [0]
                + HandshakeHelloBuilder.v16(exts.flatMap { HandshakeHelloBuilder.ext($0.type.rawValue, $0.data) })
        }
        #expect(encode(real.extensions) == HandshakeFixtures.tls12ServerHello)
        let one = TLSExtension(type: .alpn, data: HandshakeHelloBuilder.v16(HandshakeHelloBuilder.v8(Array("h2".utf8))))
        let h = try hsParseServerHello(encode(real.extensions + [one]))
        #expect(h.alpnProtocol == "h2" && h.extensionErrors.isEmpty)
        let two = TLSExtension(type: .alpn, data: HandshakeHelloBuilder.v16(HandshakeHelloBuilder.v8(Array("h2".utf8)) + HandshakeHelloBuilder.v8(Array("h3".utf8))))
        let bad = try hsParseServerHello(encode(real.extensions + [two]))
        #expect(bad.alpnProtocol == "h2")
        #expect(bad.extensionErrors.count == 1)
        let brokenVersion = TLSExtension(type: .supportedVersions, data: [0x03])
        let broken = try hsParseServerHello(encode(real.extensions + [brokenVersion]))
        #expect(broken.selectedVersion == nil)
        #expect(broken.negotiatedVersion == .tls12)
        #expect(broken.extensionErrors.first?.contains("supported_versions") == true)
    }

    @Test func serverHelloWithoutExtensionsIsLegalButTrailingGarbageIsNot() throws {
        let full = HandshakeFixtures.tls12ServerHello
        let bare = Array(full.prefix(2 + 32 + 1 + 2 + 1))
        let h = try hsParseServerHello(bare)
        #expect(!h.hasExtensionsBlock && h.extensions.isEmpty)
        #expect(hsDecodeError { _ = try ServerHello.parse(bare[...] + [0]) }?.code == .truncated)
        #expect(hsDecodeError { _ = try ServerHello.parse(full[...] + [0, 0]) }?.code == .trailingBytes)
    }
}
