import Foundation
import Testing
import WireCore
@testable import X509Inspect
import TestSupport

@Suite struct CertificateDecoderTests {
    @Test func fingerprintsAndNamesAgreeWithTheOpenSSLCommandLine() throws {
        #expect(Fixture.expected.count >= 19)
        for e in Fixture.expected {
            let s = try CertificateDecoder.decode(der: Fixture.der(e.name))
            #expect(s.sha256 == e.sha256, "\(e.name)")
            #expect(s.sha1 == e.sha1, "\(e.name)")
            #expect(s.subject == e.subject, "\(e.name)")
            #expect(s.issuer == e.issuer, "\(e.name)")
        }
    }

    @Test func serverLeafFieldsAreDecoded() throws {
        let s = Fixture.summary("leaf")
        let intA = Fixture.summary("intA")
        #expect(s.subject == "CN=sip.example.com,O=Example")
        #expect(s.subjectCommonName == "sip.example.com")
        #expect(s.issuerCommonName == "Example Intermediate A")
        #expect(s.serial == "1000")
        #expect(s.notBefore == Fixture.time("2025-01-01T00:00:00Z"))
        #expect(s.notAfter == Fixture.time("2035-01-01T00:00:00Z"))
        #expect(s.subjectAltNames == [.dns("sip.example.com"), .dns("*.prov.example.com"), .ip("10.0.0.5")])
        #expect(s.dnsNames == ["sip.example.com", "*.prov.example.com"])
        #expect(s.keyType == "RSA")
        #expect(s.keyBits == 2048)
        #expect(s.curve == nil)
        #expect(s.signatureAlgorithm == "sha256WithRSAEncryption")
        #expect(s.signatureHash == "SHA256")
        #expect(!s.isCA)
        #expect(s.pathLength == nil)
        #expect(s.keyUsage == ["digitalSignature", "keyEncipherment"])
        #expect(s.extendedKeyUsage == ["serverAuth"])
        #expect(s.subjectKeyIdentifier?.count == 40)
        #expect(s.authorityKeyIdentifier == intA.subjectKeyIdentifier)
        #expect(!s.isSelfIssued)
        #expect(!s.isSelfSigned)
        #expect(s.version == 3)
        #expect(s.der == Fixture.der("leaf"))
        #expect(s.isValid(at: Fixture.captureTime))
        #expect(!s.isValid(at: Fixture.time("2035-01-01T00:00:01Z")))
    }

    @Test func caCertificatesShowConstraintsAndSelfSignature() {
        let root = Fixture.summary("rootA")
        #expect(root.isCA && root.isSelfIssued && root.isSelfSigned)
        #expect(root.pathLength == nil)
        #expect(root.keyUsage == ["keyCertSign", "cRLSign"])
        #expect(root.authorityKeyIdentifier == nil)
        #expect(root.serial == "01")
        let vendorInt = Fixture.summary("vendorInt")
        #expect(vendorInt.isCA)
        #expect(vendorInt.pathLength == 0)
        #expect(!vendorInt.isSelfSigned)
        let selfSigned = Fixture.summary("selfsigned")
        #expect(selfSigned.isSelfSigned && !selfSigned.isCA)
    }

    @Test func keyAndSignatureVariants() {
        let ec = Fixture.summary("ec")
        #expect(ec.keyType == "EC")
        #expect(ec.keyBits == 256)
        #expect(ec.curve == "prime256v1")
        let sha1 = Fixture.summary("sha1")
        #expect(sha1.signatureAlgorithm == "sha1WithRSAEncryption")
        #expect(sha1.signatureHash == "SHA1")
        #expect(Fixture.summary("rsa1024").keyBits == 1024)
        let device = Fixture.summary("device")
        #expect(device.subjectCommonName == "00:22:ee:09:00:45")
        #expect(device.extendedKeyUsage == ["clientAuth"])
        #expect(device.subjectAltNames.isEmpty)
        #expect(device.serial == "2000")
        #expect(Fixture.summary("deep").serial == "100a")
    }

    @Test func emptyInputThrowsEmpty() {
        #expect(throws: X509InspectError(.empty, "")) { try CertificateDecoder.decode(der: []) }
    }

    @Test func garbageThrowsMalformedWithAReason() {
        do {
            _ = try CertificateDecoder.decode(der: Array("hello, this is not DER".utf8))
            Issue.record("garbage decoded")
        } catch {
            #expect(error.code == .malformedDER)
            #expect(!error.reason.isEmpty)
            #expect(error.description.hasPrefix("malformed_der: "))
        }
    }

    @Test func truncatedCertificateThrows() {
        let der = Fixture.der("leaf")
        for cut in [1, 2, 4, 100, der.count / 2, der.count - 1] {
            #expect(throws: X509InspectError.self) { try CertificateDecoder.decode(der: Array(der.prefix(cut))) }
        }
    }

    @Test func trailingBytesAfterACertificateAreRefused() {
        #expect(throws: X509InspectError(.trailingData, "")) {
            try CertificateDecoder.decode(der: Fixture.der("leaf") + [0])
        }
    }

    @Test func oversizedInputIsRefusedWithoutParsing() {
        let big = [UInt8](repeating: 0x30, count: CertificateDecoder.maximumSize + 1)
        #expect(throws: X509InspectError(.tooLarge, "")) { try CertificateDecoder.decode(der: big) }
    }

    /// One-line fuzz target in spirit: mutated and truncated certificates never trap.
    @Test func mutatedCertificatesNeverCrash() {
        var rng = SplitMix64(seed: 0x5eed)
        let base = Fixture.der("leaf")
        var decoded = 0, refused = 0
        for _ in 0..<3000 {
            var der = base
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                der[Int(rng.next() % UInt64(der.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 3 == 0 { der = Array(der.prefix(Int(rng.next() % UInt64(der.count)))) }
            switch Result(catching: { () throws(X509InspectError) in try CertificateDecoder.decode(der: der) }) {
            case .success: decoded += 1
            case .failure: refused += 1
            }
        }
        #expect(decoded + refused == 3000)
        #expect(refused > 0)
        for n in 0..<200 {   // random bytes, some starting like a SEQUENCE
            var bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n % 2 == 0 { bytes.insert(contentsOf: [0x30, 0x82, 0x01, 0x00], at: 0) }
            _ = try? CertificateDecoder.decode(der: bytes)
        }
    }

    @Test func errorsCompareByCodeOnly() {
        #expect(X509InspectError(.malformedDER, "a") == X509InspectError(.malformedDER, "b"))
        #expect(X509InspectError(.malformedDER, "a") != X509InspectError(.empty, "a"))
    }

    @Test func pemExportIsByteForByteWhatOpenSSLWrites() throws {
        for name in ["leaf", "rootA", "ec", "device"] {
            let file = try String(contentsOfFile: Fixture.path(name + ".pem"), encoding: .utf8)
            #expect(PEMExport.pem(der: Fixture.der(name)) == file, "\(name)")
        }
        let chain = try String(contentsOfFile: Fixture.path("chain-good.pem"), encoding: .utf8)
        #expect(PEMExport.pem(chain: Fixture.ders("chain-good.pem")) == chain)
    }

    @Test func base64PaddingIsRight() {
        #expect(Base64.encode(Array("f".utf8)) == "Zg==")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64.encode([]) == "")
    }

    @Test func ipv6AddressesAreWrittenInRFC5952Form() {
        #expect(IPText.format([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == "2001:db8::1")
        #expect(IPText.format([UInt8](repeating: 0, count: 16)) == "::")
        #expect(IPText.format([0, 1] + [UInt8](repeating: 0, count: 2) + [0, 1] + [UInt8](repeating: 0, count: 10)) == "1:0:1::")
        #expect(IPText.format([10, 0, 0, 5]) == "10.0.0.5")
    }
}

@Suite struct CertificateCacheTests {
    @Test func aCertificateIsDecodedOnceAndFailuresAreKept() throws {
        let cache = CertificateCache()
        let a = try cache.summary(for: Fixture.der("leaf")).get()
        let b = try cache.summary(for: Fixture.der("leaf")).get()
        #expect(a == b)
        #expect(cache.count == 1)
        guard case .failure(let e) = cache.summary(for: [1, 2, 3]) else { Issue.record("garbage decoded"); return }
        #expect(e.code == .malformedDER)
        #expect(cache.count == 2)
    }

    @Test func capacityBoundsTheCacheButNotTheAnswers() throws {
        let cache = CertificateCache(capacity: 1)
        _ = cache.summary(for: Fixture.der("leaf"))
        let root = try cache.summary(for: Fixture.der("rootA")).get()
        #expect(root.subject == "CN=Example Root A,O=Example")
        #expect(cache.count == 1)
    }

    @Test func concurrentLookupsAgree() async {
        let cache = CertificateCache()
        let names = ["leaf", "intA", "rootA", "ec", "device"]
        let ders = names.map(Fixture.der)
        let results = await withTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask { (try? cache.summary(for: ders[i % ders.count]).get().subject) ?? "" }
            }
            var all: [String] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 200)
        #expect(!results.contains(""))
        #expect(cache.count == names.count)
    }
}
