import Testing
@testable import TLSWire
import WireCore
import TestSupport

/// Small encoder for hand-built variants of real hellos (tests only).
enum HandshakeHelloBuilder {
    static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    static func v8(_ b: [UInt8]) -> [UInt8] { [UInt8(b.count)] + b }
    static func v16(_ b: [UInt8]) -> [UInt8] { u16(b.count) + b }
    static func ext<Data: Collection<UInt8>>(_ type: UInt16, _ data: Data) -> [UInt8] { u16(Int(type)) + v16(Array(data)) }

    /// Re-encodes a ClientHello's wire fields (not the decoded facts), with extensions replaced.
    static func clientHello(_ h: ClientHello, extensions: [TLSExtension]?) -> [UInt8] {
        var out = u16(Int(h.legacyVersion.rawValue)) + h.random + v8(h.sessionID)
        out += v16(h.cipherSuites.flatMap { u16(Int($0.rawValue)) })
        out += v8(h.compressionMethods)
        if let extensions { out += v16(extensions.flatMap { ext($0.type.rawValue, $0.data) }) }
        return out
    }
}


func hsParseClientHello(_ bytes: [UInt8]) throws -> ClientHello {
    guard case .clientHello(let h) = try HandshakeMessage.parse(type: .clientHello, body: bytes[...], context: HandshakeContext()) else {
        Issue.record("not decoded as a ClientHello")
        throw TLSDecodeError(.invalidValue, "test: wrong case")
    }
    return h
}

/// The TLSDecodeError `body` throws, nil if it returns; any other error is a test failure.
func hsDecodeError(_ body: () throws -> Void) -> TLSDecodeError? {
    do {
        try body()
        return nil
    } catch let error as TLSDecodeError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite struct HandshakeClientHelloTests {
    @Test func openSSL3TLS13HelloOffersTLS13WithSNIKeyShareAndPSKModes() throws {
        let h = try hsParseClientHello(HandshakeFixtures.tls13ClientHello)
        #expect(h.legacyVersion == .tls12)
        #expect(h.random.count == 32)
        #expect(h.sessionID.count == 32)  // middlebox-compatibility session id
        #expect(h.cipherSuites.count == 31)
        #expect(h.cipherSuites.prefix(3).map(\.rawValue) == [0x1302, 0x1303, 0x1301])
        #expect(h.cipherSuites.last?.rawValue == 0x00ff)
        #expect(h.hasRenegotiationSCSV)
        #expect(!h.hasFallbackSCSV)
        #expect(h.compressionMethods == [0])
        #expect(h.hasExtensionsBlock)
        #expect(h.extensions.map(\.type.rawValue) == [0, 11, 10, 35, 22, 23, 13, 43, 45, 51])
        #expect(h.serverName == "example.test")
        #expect(h.serverNames == ["example.test"])
        #expect(h.supportedVersions.map(\.rawValue) == [0x0304, 0x0303, 0x0302, 0x0301])
        #expect(h.offeredVersions == [.tls13, .tls12, .tls11, .tls10])
        #expect(h.highestVersion == .tls13)
        #expect(h.supportedGroups.map(\.rawValue) == [0x1d, 0x17, 0x1e, 0x19, 0x18, 0x100, 0x101, 0x102, 0x103, 0x104])
        #expect(h.keyShareGroups == [.x25519])
        #expect(h.pskKeyExchangeModes == [1])
        #expect(h.ecPointFormats == [0, 1, 2])
        #expect(h.signatureAlgorithms.count == 20)
        #expect(h.signatureAlgorithms.first?.rawValue == 0x0403)
        #expect(h.signatureAlgorithms.contains(SignatureScheme(rawValue: 0x0804)))
        #expect(h.hasSessionTicket && h.sessionTicketLength == 0)
        #expect(h.hasExtendedMasterSecret)
        #expect(!h.hasPreSharedKey && !h.hasEarlyData && !h.hasEncryptedClientHello && !h.hasStatusRequest)
        #expect(h.alpnProtocols.isEmpty)
        #expect(h.paddingLength == nil && h.recordSizeLimit == nil)
        #expect(h.extensionErrors.isEmpty)
        #expect(!h.isSSLv2Compatible)
    }

    @Test func tls12OnlyHelloHasNoSupportedVersionsSoLegacyVersionIsTheOffer() throws {
        let h = try hsParseClientHello(HandshakeFixtures.tls12ClientHello)
        #expect(h.legacyVersion == .tls12)
        #expect(h.supportedVersions.isEmpty)
        #expect(h.offeredVersions == [.tls12])
        #expect(h.highestVersion == .tls12)
        #expect(h.cipherSuites.count == 28)
        #expect(h.cipherSuites.first?.rawValue == 0xc02c)
        #expect(!h.cipherSuites.contains { $0.rawValue >> 8 == 0x13 })
        #expect(h.extensions.map(\.type.rawValue) == [0, 11, 10, 35, 22, 23, 13])
        #expect(h.keyShareGroups.isEmpty && h.pskKeyExchangeModes.isEmpty)
        #expect(h.supportedGroups.map(\.rawValue) == [0x1d, 0x17, 0x1e, 0x19, 0x18])
        #expect(h.serverName == "example.test")
        #expect(h.sessionID.isEmpty)
    }

    @Test func tls10HelloAtSecurityLevel0OffersOnlyCBCSuitesAndNoSignatureAlgorithms() throws {
        let h = try hsParseClientHello(HandshakeFixtures.tls10ClientHello)
        #expect(h.legacyVersion == .tls10)
        #expect(h.highestVersion == .tls10)
        #expect(h.cipherSuites.map(\.rawValue) == [0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x0035, 0x002f, 0x00ff])
        #expect(h.extensions.map(\.type.rawValue) == [0, 11, 10, 35, 22, 23])
        #expect(h.signatureAlgorithms.isEmpty)  // signature_algorithms is TLS 1.2+
        #expect(h.serverName == "example.test")
    }

    @Test func chromeLikeHelloKeepsGREASEInOrderButNotInOfferedVersions() throws {
        let h = try hsParseClientHello(HandshakeFixtures.chromeClientHello)
        #expect(h.cipherSuites.first?.rawValue == 0x9a9a)
        #expect(h.cipherSuites.first?.isGREASE == true)
        #expect(h.cipherSuites.count == 16)
        #expect(h.extensions.map(\.type.rawValue)
                == [0x9a9a, 5, 51, 43, 0xff01, 35, 18, 0, 13, 27, 45, 11, 16, 10, 23, 0xaaaa, 21])
        #expect(h.supportedVersions.map(\.rawValue) == [0xfafa, 0x0304, 0x0303])
        #expect(h.offeredVersions == [.tls13, .tls12])
        #expect(h.highestVersion == .tls13)
        #expect(h.supportedGroups.map(\.rawValue) == [0x3a3a, 0x1d, 0x17, 0x18])
        #expect(h.keyShareGroups.map(\.rawValue) == [0x3a3a, 0x1d])
        #expect(h.alpnProtocols == ["h2", "http/1.1"])
        #expect(h.serverName == "www.example.com")
        #expect(h.paddingLength == 209)
        #expect(h.hasStatusRequest && h.hasRenegotiationInfo && h.hasExtendedMasterSecret && h.hasSessionTicket)
        #expect(h.pskKeyExchangeModes == [1])
        #expect(h.extensionErrors.isEmpty)
    }

    @Test func secondHelloAfterRetryCarriesTheRequestedKeyShare() throws {
        let first = try hsParseClientHello(HandshakeFixtures.hrrClientHello1)
        let second = try hsParseClientHello(HandshakeFixtures.hrrClientHello2)
        #expect(first.supportedGroups == [.x25519, .secp256r1])
        #expect(first.keyShareGroups == [.x25519])
        #expect(second.keyShareGroups == [.secp256r1])
        #expect(second.random == first.random)  // RFC 8446 §4.1.2: the second hello repeats the random
    }

    @Test func helloCutAfterCompressionMethodsIsALegalExtensionlessHello() throws {
        // SSL 3.0 / early TLS clients end the hello there; the tls10 hello cut at that point.
        let full = HandshakeFixtures.tls10ClientHello
        let cut = 2 + 32 + 1 + 2 + 9 * 2 + 2
        let h = try hsParseClientHello(Array(full.prefix(cut)))
        #expect(!h.hasExtensionsBlock)
        #expect(h.extensions.isEmpty && h.serverName == nil)
        #expect(h.cipherSuites.count == 9)
        #expect(h.offeredVersions == [.tls10])
    }

    @Test func aMalformedExtensionIsRecordedAndTheRestOfTheHelloKept() throws {
        let real = try hsParseClientHello(HandshakeFixtures.tls13ClientHello)
        var extensions = real.extensions
        extensions[0].data = [0x00, 0x20, 0x00, 0x00, 0x03, 0x61]  // server_name_list claims 32 bytes, has 4
        let h = try hsParseClientHello(HandshakeHelloBuilder.clientHello(real, extensions: extensions))
        #expect(h.serverName == nil)
        #expect(h.extensionErrors.count == 1)
        #expect(h.extensionErrors.first?.contains("server_name") == true)
        #expect(h.supportedVersions == real.supportedVersions)
        #expect(h.keyShareGroups == [.x25519])
    }

    @Test func duplicateExtensionsAreReportedAndTheFirstWins() throws {
        let real = try hsParseClientHello(HandshakeFixtures.tls12ClientHello)
        let sniB = TLSExtension(type: .serverName, data: HandshakeHelloBuilder.v16([0] + HandshakeHelloBuilder.v16(Array("b.test".utf8))))
        let h = try hsParseClientHello(HandshakeHelloBuilder.clientHello(real, extensions: real.extensions + [sniB]))
        #expect(h.serverName == "example.test")
        #expect(h.extensionErrors.count == 1)
        #expect(h.extensionErrors.first?.contains("duplicate") == true)
    }

    @Test func preSharedKeyThatIsNotLastIsReported() throws {
        let real = try hsParseClientHello(HandshakeFixtures.tls13ClientHello)
        let psk = TLSExtension(type: .preSharedKey, data: [0, 0, 0, 0])
        let h = try hsParseClientHello(HandshakeHelloBuilder.clientHello(real, extensions: [psk] + real.extensions))
        #expect(h.hasPreSharedKey)
        #expect(h.extensionErrors == ["ClientHello: pre_shared_key is not the last extension"])
        let last = try hsParseClientHello(HandshakeHelloBuilder.clientHello(real, extensions: real.extensions + [psk]))
        #expect(last.hasPreSharedKey && last.extensionErrors.isEmpty)
    }

    @Test func hostNameBytesThatAreNotUTF8AreKeptWithReplacementCharacters() throws {
        let real = try hsParseClientHello(HandshakeFixtures.tls12ClientHello)
        var extensions = real.extensions
        let raw: [UInt8] = [0x61, 0xff, 0x0a, 0x1b, 0x62]  // "a", invalid byte, newline, escape, "b"
        extensions[0].data = HandshakeHelloBuilder.v16([0] + HandshakeHelloBuilder.v16(raw))[...]
        let h = try hsParseClientHello(HandshakeHelloBuilder.clientHello(real, extensions: extensions))
        #expect(h.serverName == "a\u{FFFD}\n\u{1B}b")
    }

    @Test func structuralErrorsHaveDistinctCodes() throws {
        let real = try hsParseClientHello(HandshakeFixtures.tls12ClientHello)
        let good = HandshakeHelloBuilder.clientHello(real, extensions: real.extensions)
        #expect(good == HandshakeFixtures.tls12ClientHello)  // the builder round-trips the real hello

        #expect(hsDecodeError { _ = try ClientHello.parse(good[...] + [0]) }?.code == .trailingBytes)
        #expect(hsDecodeError { _ = try ClientHello.parse(good.dropLast()) }?.code == .truncated)

        var oddSuites = real
        oddSuites.cipherSuites = []
        var bytes = HandshakeHelloBuilder.clientHello(oddSuites, extensions: nil)
        bytes.replaceSubrange(35..<37, with: [0x00, 0x03])
        bytes.insert(contentsOf: [0xc0, 0x2f, 0x00], at: 37)
        #expect(hsDecodeError { _ = try ClientHello.parse(bytes[...]) }?.code == .lengthMismatch)

        var longID = real
        longID.sessionID = Array(repeating: 7, count: 33)
        #expect(hsDecodeError { _ = try ClientHello.parse(HandshakeHelloBuilder.clientHello(longID, extensions: nil)[...]) }?.code == .invalidValue)

        // An extension whose data runs past the end of the extension block: the lengths contradict.
        var overrun = HandshakeHelloBuilder.clientHello(real, extensions: [])
        overrun.removeLast(2)
        overrun += HandshakeHelloBuilder.v16([0x00, 0x17, 0x00, 0x09])
        #expect(hsDecodeError { _ = try ClientHello.parse(overrun[...]) }?.code == .lengthMismatch)
    }

    @Test func gmtUnixTimeIsTheFirstFourRandomBytes() throws {
        var h = try hsParseClientHello(HandshakeFixtures.tls12ClientHello)
        #expect(h.gmtUnixTime == UInt32(h.random[0]) << 24 | UInt32(h.random[1]) << 16 | UInt32(h.random[2]) << 8 | UInt32(h.random[3]))
        h.random = [0x5f, 0x5e, 0x10, 0x00] + Array(repeating: 0, count: 28)
        #expect(h.gmtUnixTime == 1_600_000_000)
    }
}

@Suite struct HandshakeSSLv2HelloTests {
    /// Built by hand per RFC 5246 Appendix E.2 (no stack here still sends one): a TLS 1.0 client
    /// offering two SSLv2 specs, two TLS suites and the renegotiation SCSV, 16-byte challenge.
    static let challenge: [UInt8] = Array(0x10...0x1f)
    static let v2Hello: [UInt8] = [0x01, 0x03, 0x01, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x10]
        + [0x07, 0x00, 0xc0,  0x00, 0x00, 0x39,  0x01, 0x00, 0x80,  0x00, 0x00, 0x2f,  0x00, 0x00, 0xff]
        + challenge

    @Test func sslv2CompatibleHelloSplitsTLSSuitesFromSSLv2Specs() throws {
        let h = try ClientHello.parseSSLv2(Self.v2Hello[...])
        #expect(h.isSSLv2Compatible)
        #expect(h.legacyVersion == .tls10)
        #expect(h.cipherSuites.map(\.rawValue) == [0x0039, 0x002f, 0x00ff])
        #expect(h.sslv2CipherSpecs == [0x0700c0, 0x010080])
        #expect(h.random == Array(repeating: 0, count: 16) + Self.challenge)
        #expect(h.sessionID.isEmpty)
        #expect(h.extensions.isEmpty && !h.hasExtensionsBlock)
        #expect(h.highestVersion == .tls10)
        #expect(h.hasRenegotiationSCSV)
    }

    @Test func sslv2HelloRejectsWrongTypeOddSpecsShortChallengeAndTrailingBytes() {
        var wrongType = Self.v2Hello
        wrongType[0] = 4
        #expect(hsDecodeError { _ = try ClientHello.parseSSLv2(wrongType[...]) }?.code == .invalidValue)
        var oddSpecs = Self.v2Hello
        oddSpecs[4] = 0x0e
        #expect(hsDecodeError { _ = try ClientHello.parseSSLv2(oddSpecs[...]) }?.code == .lengthMismatch)
        var shortChallenge = Self.v2Hello
        shortChallenge[8] = 0x08
        #expect(hsDecodeError { _ = try ClientHello.parseSSLv2(shortChallenge[...]) }?.code == .invalidValue)
        #expect(hsDecodeError { _ = try ClientHello.parseSSLv2(Self.v2Hello[...] + [0]) }?.code == .trailingBytes)
        for n in 0..<Self.v2Hello.count {
            #expect(hsDecodeError { _ = try ClientHello.parseSSLv2(Self.v2Hello.prefix(n)) }?.code == .truncated)
        }
    }

    @Test func sslv2HelloWorksOnASliceThatDoesNotStartAtIndexZero() throws {
        let record: [UInt8] = [0x80, UInt8(Self.v2Hello.count)] + Self.v2Hello
        let h = try ClientHello.parseSSLv2(record.dropFirst(2))
        #expect(h.cipherSuites.count == 3)
        #expect(h.random.suffix(16) == Self.challenge[...])
    }
}
