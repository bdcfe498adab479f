import Foundation
import Testing
@testable import TLSWire

// Facts checked here come from the IANA registries and the RFCs that define each code point,
// not from the generated tables themselves (scripts/registry/README.md says where the data came from).

@Suite("RegistryTests")
struct RegistryTests {
    // MARK: cipher suites

    @Test func ecdheRsaAes128GcmIsForwardSecretAndHasNoWeakness() throws {
        let info = try #require(CipherSuite(rawValue: 0xc02f).info)
        #expect(info.name == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        #expect(info.keyExchange == "ECDHE")
        #expect(info.authentication == "RSA")
        #expect(info.encryption == "AES_128_GCM")
        #expect(info.mac == "SHA256")
        #expect(info.forwardSecret)
        #expect(info.weaknesses.isEmpty)
        #expect(!info.tls13Only)
        #expect(CipherSuite(rawValue: 0xc02f).description == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    }

    @Test func rsa3desIsNotForwardSecretAndWeakFor3DESOnly() throws {
        let info = try #require(CipherSuite(rawValue: 0x000a).info)
        #expect(info.name == "TLS_RSA_WITH_3DES_EDE_CBC_SHA")
        #expect(info.keyExchange == "RSA")
        #expect(info.encryption == "3DES_EDE_CBC")
        #expect(info.mac == "SHA")
        #expect(!info.forwardSecret)
        #expect(info.weaknesses == ["3DES"])
    }

    @Test func rc4Md5SuiteIsWeakForRC4AndMD5() throws {
        let info = try #require(CipherSuite(rawValue: 0x0004).info)
        #expect(info.name == "TLS_RSA_WITH_RC4_128_MD5")
        #expect(info.encryption == "RC4_128")
        #expect(info.mac == "MD5")
        #expect(info.weaknesses == ["RC4", "MD5"])
    }

    @Test func exportSuitesNameEveryWeakness() throws {
        let rc2 = try #require(CipherSuite(rawValue: 0x0006).info)  // TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5
        #expect(rc2.keyExchange == "RSA")
        #expect(rc2.encryption == "RC2_CBC_40")
        #expect(rc2.weaknesses == ["EXPORT", "RC2", "MD5"])
        let des40 = try #require(CipherSuite(rawValue: 0x0014).info)  // TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
        #expect(des40.keyExchange == "DHE")
        #expect(des40.forwardSecret)
        #expect(des40.weaknesses == ["EXPORT", "DES"])
        let krb = try #require(CipherSuite(rawValue: 0x0026).info)  // TLS_KRB5_EXPORT_WITH_DES_CBC_40_SHA
        #expect(krb.keyExchange == "KRB5")
        #expect(krb.weaknesses == ["EXPORT", "DES"])
        let idea = try #require(CipherSuite(rawValue: 0x0007).info)  // TLS_RSA_WITH_IDEA_CBC_SHA
        #expect(idea.weaknesses == ["IDEA"])
    }

    @Test func nullAndAnonymousSuitesAreFlagged() throws {
        let nullNull = try #require(CipherSuite(rawValue: 0x0000).info)
        #expect(nullNull.name == "TLS_NULL_WITH_NULL_NULL")
        #expect(nullNull.keyExchange == "NULL")
        #expect(nullNull.encryption == "NULL")
        #expect(nullNull.mac == "NULL")
        #expect(nullNull.weaknesses == ["NULL", "anon"])
        let anon = try #require(CipherSuite(rawValue: 0x0034).info)  // TLS_DH_anon_WITH_AES_128_CBC_SHA
        #expect(anon.keyExchange == "DH")
        #expect(anon.authentication == "anon")
        #expect(!anon.forwardSecret)
        #expect(anon.weaknesses == ["anon"])
        let ecdheNull = try #require(CipherSuite(rawValue: 0xc010).info)  // TLS_ECDHE_RSA_WITH_NULL_SHA
        #expect(ecdheNull.forwardSecret)
        #expect(ecdheNull.weaknesses == ["NULL"])
    }

    @Test func tls13SuitesHaveNoKeyExchangeAndAreForwardSecret() throws {
        for value: UInt16 in 0x1301...0x1307 {
            let info = try #require(CipherSuite(rawValue: value).info, "0x\(String(value, radix: 16)) missing")
            #expect(info.tls13Only)
            #expect(info.forwardSecret)
            #expect(info.keyExchange.isEmpty)
            #expect(info.authentication.isEmpty)
            #expect(info.weaknesses.isEmpty)
        }
        let aes = try #require(CipherSuite(rawValue: 0x1301).info)
        #expect(aes.name == "TLS_AES_128_GCM_SHA256")
        #expect(aes.encryption == "AES_128_GCM")
        #expect(aes.mac == "SHA256")
        #expect(CipherSuite(rawValue: 0x1303).info?.encryption == "CHACHA20_POLY1305")
        #expect(CipherSuite(rawValue: 0x1305).info?.encryption == "AES_128_CCM_8")
    }

    @Test func rfc8998And9150And9189SuitesArePresent() throws {
        let sm4 = try #require(CipherSuite(rawValue: 0x00c6).info)
        #expect(sm4.name == "TLS_SM4_GCM_SM3")
        #expect(sm4.tls13Only)
        #expect(sm4.mac == "SM3")
        let integrityOnly = try #require(CipherSuite(rawValue: 0xc0b4).info)
        #expect(integrityOnly.name == "TLS_SHA256_SHA256")
        #expect(integrityOnly.encryption == "NULL")
        #expect(integrityOnly.mac == "SHA256")
        #expect(integrityOnly.weaknesses == ["NULL"])
        #expect(integrityOnly.tls13Only)
        let gost = try #require(CipherSuite(rawValue: 0xc100).info)
        #expect(gost.name == "TLS_GOSTR341112_256_WITH_KUZNYECHIK_CTR_OMAC")
        #expect(gost.keyExchange == "GOSTR341112_256")
        #expect(gost.encryption == "KUZNYECHIK_CTR")
        #expect(gost.mac == "OMAC")
        #expect(!gost.tls13Only)
        let gost13 = try #require(CipherSuite(rawValue: 0xc103).info)
        #expect(gost13.name == "TLS_GOSTR341112_256_WITH_KUZNYECHIK_MGM_L")
        #expect(gost13.tls13Only)
        #expect(gost13.keyExchange.isEmpty)
    }

    @Test func pskAndPasswordSuitesSplitKeyExchangeFromAuthentication() throws {
        let ecdhePsk = try #require(CipherSuite(rawValue: 0xd001).info)
        #expect(ecdhePsk.name == "TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256")
        #expect(ecdhePsk.keyExchange == "ECDHE_PSK")
        #expect(ecdhePsk.authentication == "PSK")
        #expect(ecdhePsk.forwardSecret)
        #expect(!ecdhePsk.tls13Only)
        let dhePsk = try #require(CipherSuite(rawValue: 0xccad).info)
        #expect(dhePsk.keyExchange == "DHE_PSK")
        #expect(dhePsk.forwardSecret)
        let plainPsk = try #require(CipherSuite(rawValue: 0x008c).info)  // TLS_PSK_WITH_AES_128_CBC_SHA
        #expect(plainPsk.keyExchange == "PSK")
        #expect(!plainPsk.forwardSecret)
        // IANA spells 0xC0AA "TLS_PSK_DHE_WITH_..."; it is the DHE_PSK key exchange (RFC 6655).
        let misspelt = try #require(CipherSuite(rawValue: 0xc0aa).info)
        #expect(misspelt.name == "TLS_PSK_DHE_WITH_AES_128_CCM_8")
        #expect(misspelt.keyExchange == "DHE_PSK")
        #expect(misspelt.encryption == "AES_128_CCM_8")
        #expect(misspelt.forwardSecret)
        let pwd = try #require(CipherSuite(rawValue: 0xc0b0).info)
        #expect(pwd.name == "TLS_ECCPWD_WITH_AES_128_GCM_SHA256")
        #expect(pwd.keyExchange == "ECCPWD")
        #expect(pwd.encryption == "AES_128_GCM")
        let srp = try #require(CipherSuite(rawValue: 0xc01b).info)  // TLS_SRP_SHA_RSA_WITH_3DES_EDE_CBC_SHA
        #expect(srp.keyExchange == "SRP")
        #expect(srp.authentication == "RSA")
        #expect(srp.weaknesses == ["3DES"])
    }

    @Test func ccmSuitesWithoutMacInNameUseTheirSha256Prf() throws {
        let ccm = try #require(CipherSuite(rawValue: 0xc0ac).info)  // TLS_ECDHE_ECDSA_WITH_AES_128_CCM
        #expect(ccm.encryption == "AES_128_CCM")
        #expect(ccm.mac == "SHA256")
        #expect(ccm.authentication == "ECDSA")
    }

    @Test func signallingValuesAreNamedButAreNotRealSuites() throws {
        let reneg = try #require(CipherSuite(rawValue: 0x00ff).info)
        #expect(reneg.name == "TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
        #expect(reneg.weaknesses.isEmpty)
        #expect(!reneg.forwardSecret)
        #expect(CipherSuite(rawValue: 0x5600).name == "TLS_FALLBACK_SCSV")
        #expect(CipherSuite(rawValue: 0x5600).isSignalling)
    }

    @Test func greaseSuiteHasNoInfoButIsDescribedAsGrease() {
        let grease = CipherSuite(rawValue: 0x0a0a)
        #expect(grease.info == nil)
        #expect(grease.description == "GREASE")
        #expect(CipherSuite(rawValue: 0xfafa).description == "GREASE")
    }

    @Test func unassignedAndReservedSuitesPrintAsHex() {
        #expect(CipherSuite(rawValue: 0xfefe).info == nil)
        #expect(CipherSuite(rawValue: 0xfefe).description == "0xfefe")
        #expect(CipherSuite(rawValue: 0x001c).description == "0x001c")  // reserved to avoid SSLv3 clashes
        #expect(CipherSuite(rawValue: 0xd004).description == "0xd004")  // unassigned hole in RFC 8442's range
        #expect(CipherSuite(rawValue: 0xff00).description == "0xff00")  // private use
    }

    @Test func cipherSuiteTableIsCompleteAndConsistent() {
        let suites = RegistryTables.cipherSuites
        #expect(suites.count > 300)
        let allowed: Set<String> = ["NULL", "EXPORT", "anon", "RC4", "RC2", "DES", "3DES", "IDEA", "MD5"]
        for (value, info) in suites {
            #expect(info.name.hasPrefix("TLS_"), "0x\(String(value, radix: 16))")
            #expect(Set(info.weaknesses).isSubset(of: allowed), "\(info.name)")
            #expect(Set(info.weaknesses).count == info.weaknesses.count, "\(info.name)")
            if info.tls13Only { #expect(info.forwardSecret, "\(info.name)") }
            #expect(!CipherSuite(rawValue: value).isGREASE, "\(info.name)")
        }
        let weakCount = suites.values.filter { !$0.weaknesses.isEmpty }.count
        #expect(weakCount > 50 && weakCount < suites.count / 2)
    }

    // MARK: the short registries

    @Test func alertsUseIanaSnakeCaseNames() {
        #expect(AlertDescription(rawValue: 116).description == "certificate_required")
        #expect(AlertDescription.closeNotify.description == "close_notify")
        #expect(AlertDescription.unknownCA.description == "unknown_ca")
        #expect(AlertDescription.noApplicationProtocol.description == "no_application_protocol")
        #expect(AlertDescription.inappropriateFallback.description == "inappropriate_fallback")
        #expect(AlertDescription(rawValue: 121).description == "ech_required")
        #expect(AlertDescription(rawValue: 117).description == "general_error")
        #expect(AlertDescription(rawValue: 21).description == "decryption_failed")
        #expect(AlertDescription(rawValue: 119).description == "0x77")
    }

    @Test func handshakeTypesUseSnakeCaseNames() {
        #expect(HandshakeType.clientHello.description == "client_hello")
        #expect(HandshakeType.certificateRequest.description == "certificate_request")
        #expect(HandshakeType.encryptedExtensions.description == "encrypted_extensions")
        #expect(HandshakeType.newSessionTicket.description == "new_session_ticket")
        #expect(HandshakeType.compressedCertificate.description == "compressed_certificate")
        #expect(HandshakeType.messageHash.description == "message_hash")
        #expect(HandshakeType(rawValue: 7).description == "0x07")
    }

    @Test func contentTypesAreNamed() {
        #expect(ContentType.handshake.description == "handshake")
        #expect(ContentType.changeCipherSpec.description == "change_cipher_spec")
        #expect(ContentType(rawValue: 99).description == "0x63")
    }

    @Test func extensionsUseIanaNames() {
        #expect(ExtensionType(rawValue: 0xfe0d).name == "encrypted_client_hello")
        #expect(ExtensionType.renegotiationInfo.name == "renegotiation_info")
        #expect(ExtensionType.serverName.name == "server_name")
        #expect(ExtensionType.supportedGroups.name == "supported_groups")
        #expect(ExtensionType.alpn.name == "application_layer_protocol_negotiation")
        #expect(ExtensionType.compressCertificate.name == "compress_certificate")
        #expect(ExtensionType.keyShare.name == "key_share")
        #expect(ExtensionType(rawValue: 57).name == "quic_transport_parameters")
        #expect(ExtensionType(rawValue: 0x4469).name == "application_settings_old")  // Chrome ALPS, unregistered
        #expect(ExtensionType(rawValue: 0x2a2a).description == "GREASE")
        #expect(ExtensionType(rawValue: 0x1234).description == "0x1234")
    }

    @Test func groupsIncludeFfdheBrainpoolAndMlkemHybrids() {
        #expect(NamedGroup(rawValue: 0x11ec).name == "X25519MLKEM768")
        #expect(NamedGroup(rawValue: 0x11eb).name == "SecP256r1MLKEM768")
        #expect(NamedGroup(rawValue: 0x6399).name == "X25519Kyber768Draft00")
        #expect(NamedGroup.x25519.name == "x25519")
        #expect(NamedGroup.secp256r1.name == "secp256r1")
        #expect(NamedGroup(rawValue: 0x0100).name == "ffdhe2048")
        #expect(NamedGroup(rawValue: 0x0104).name == "ffdhe8192")
        #expect(NamedGroup(rawValue: 0x001f).name == "brainpoolP256r1tls13")
        #expect(NamedGroup(rawValue: 0xff01).name == "arbitrary_explicit_prime_curves")
        #expect(NamedGroup(rawValue: 0xff02).name == "arbitrary_explicit_char2_curves")
        #expect(NamedGroup(rawValue: 0x0a0a).description == "GREASE")
        #expect(NamedGroup(rawValue: 0x0105).description == "0x0105")
    }

    @Test func signatureSchemesCoverTls13NamesAndTls12Pairs() {
        #expect(SignatureScheme(rawValue: 0x0804).name == "rsa_pss_rsae_sha256")
        #expect(SignatureScheme(rawValue: 0x0401).name == "rsa_pkcs1_sha256")
        #expect(SignatureScheme(rawValue: 0x0403).name == "ecdsa_secp256r1_sha256")
        #expect(SignatureScheme(rawValue: 0x0807).name == "ed25519")
        #expect(SignatureScheme(rawValue: 0x0201).name == "rsa_pkcs1_sha1")
        #expect(SignatureScheme(rawValue: 0x0301).name == "sha224_rsa")
        #expect(SignatureScheme(rawValue: 0x0303).name == "sha224_ecdsa")
        #expect(SignatureScheme(rawValue: 0x0302).name == "sha224_dsa")
        #expect(SignatureScheme(rawValue: 0x0202).name == "sha1_dsa")
        #expect(SignatureScheme(rawValue: 0x0402).name == "sha256_dsa")
        #expect(SignatureScheme(rawValue: 0x0101).name == "md5_rsa")
        #expect(SignatureScheme(rawValue: 0x081a).name == "ecdsa_brainpoolP256r1tls13_sha256")
        #expect(SignatureScheme(rawValue: 0x0709).name == "gostr34102012_256a")
        #expect(SignatureScheme(rawValue: 0x0905).name == "mldsa65")
        #expect(SignatureScheme(rawValue: 0x1a1a).description == "GREASE")
        #expect(SignatureScheme(rawValue: 0x0b04).description == "0x0b04")
    }

    @Test func oneByteRegistryNamesAreSnakeCase() {
        let snake = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789_")
        for name in Array(RegistryTables.alerts.values) + Array(RegistryTables.handshakeTypes.values)
            + Array(RegistryTables.contentTypes.values) {
            #expect(name.unicodeScalars.allSatisfy(snake.contains), "\(name)")
        }
    }

    @Test func noRegistryNamesAGreaseValue() {
        let grease = (0...15).map { UInt16($0) << 12 | 0x0a0a | UInt16($0) << 4 }
        for g in grease {
            #expect(RegistryTables.extensions[g] == nil)
            #expect(RegistryTables.groups[g] == nil)
            #expect(RegistryTables.signatureSchemes[g] == nil)
            #expect(RegistryTables.cipherSuites[g] == nil)
        }
    }

    // MARK: the generator

    /// The generated Swift files must be what scripts/registry/generate.py makes from data/ today.
    @Test func generatedTablesMatchTheirDataFiles() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/registry/generate.py")
        try #require(FileManager.default.fileExists(atPath: script.path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--check"]
        process.currentDirectoryURL = root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
    }
}
