import Foundation
import Testing
@testable import X509Inspect

@Suite struct TrustStoreTests {
    func loadError(_ paths: [String]) -> TrustStoreError? {
        do { _ = try TrustStore.load(paths: paths, label: "x"); return nil } catch { return error }
    }

    @Test func singlePEMFile() throws {
        let s = try TrustStore.load(paths: [Fixture.path("rootA.pem")], label: "--client-trust rootA.pem")
        #expect(s.label == "--client-trust rootA.pem")
        #expect(s.certificates.map(\.subject) == ["CN=Example Root A,O=Example"])
        #expect(s.contains(sha256: Fixture.summary("rootA").sha256))
        #expect(!s.contains(sha256: Fixture.summary("intA").sha256))
    }

    @Test func bundleWithManyPEMs() throws {
        let s = try TrustStore.load(paths: [Fixture.path("bundle-roots.pem")], label: "bundle")
        #expect(s.certificates.map(\.subjectCommonName) == ["Example Root A", "Vendor Root CA", "Unrelated Root"])
        #expect(s.warnings.isEmpty)
    }

    @Test func derFileAndDuplicatesAcrossPaths() throws {
        let s = try TrustStore.load(paths: [Fixture.path("rootA.der"), Fixture.path("rootA.pem")], label: "der")
        #expect(s.certificates.count == 1)
        #expect(s.certificates.first?.subject == "CN=Example Root A,O=Example")
    }

    @Test func directorySkipsFilesThatAreNotCertificates() throws {
        let s = try TrustStore.load(paths: [Fixture.path("store-dir")], label: "certs/trusted")
        #expect(Set(s.certificates.compactMap(\.subjectCommonName)) == ["Example Root A", "Vendor Root CA"])
        // And it works as a store: the device chain verifies against it.
        let v = ChainVerifier.verify(chain: Fixture.ders("chain-device.pem"), store: s, at: Fixture.captureTime,
                                     purpose: .clientAuth, cache: CertificateCache())
        #expect(v.isGood, "\(v.issues)")
    }

    @Test func missingPathIsAnErrorNamingIt() {
        let path = Fixture.path("no-such-file.pem")
        let e = loadError([Fixture.path("rootA.pem"), path])
        #expect(e?.code == .notFound)
        #expect(e?.path == path)
        #expect(e?.description.hasPrefix(path + ": ") == true)
        #expect(e?.description.contains("\n") == false)
    }

    @Test func textFileIsAnErrorNamingIt() {
        let path = Fixture.path("not-a-cert.txt")
        let e = loadError([path])
        #expect(e?.code == .noCertificates)
        #expect(e?.description.hasPrefix(path + ": ") == true)
    }

    @Test func directoryWithoutCertificatesIsAnError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("x509-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "just notes\n".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        let e = loadError([dir])
        #expect(e?.code == .noCertificates)
        #expect(e?.path == dir)
    }

    @Test func oneDamagedBlockDoesNotHideTheOthers() throws {
        let good = try String(contentsOfFile: Fixture.path("bundle-roots.pem"), encoding: .utf8)
        let damaged = "-----BEGIN CERTIFICATE-----\nMIIB!!!!notbase64\n-----END CERTIFICATE-----\n"
        let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("x509-damaged-\(UUID().uuidString).pem").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try (key + damaged + good).write(toFile: file, atomically: true, encoding: .utf8)
        let s = try TrustStore.load(paths: [file], label: "damaged")
        #expect(s.certificates.count == 3)
        #expect(s.warnings.count == 1)
        #expect(s.warnings.first?.hasPrefix(file + ": certificate block 1") == true)
    }

    @Test func mergedStoresKeepEveryCertificateOnce() throws {
        let a = Fixture.store("rootA", "vendorRoot")
        let b = Fixture.store("vendorRoot", "unrelatedRoot")
        let m = a.merged(with: b, label: "both")
        #expect(m.label == "both")
        #expect(m.certificates.count == 3)
    }

    @Test func replacingCertificatesRebuildsTheOpenSSLStore() {
        var s = Fixture.store("unrelatedRoot")
        let chain = Fixture.ders("chain-good.pem")
        let cache = CertificateCache()
        #expect(ChainVerifier.verify(chain: chain, store: s, at: Fixture.captureTime, purpose: .serverAuth, cache: cache).status == .untrusted)
        s.certificates.append(Fixture.summary("rootA"))
        #expect(ChainVerifier.verify(chain: chain, store: s, at: Fixture.captureTime, purpose: .serverAuth, cache: cache).status == .trusted)
    }

    @Test func emptyStoreTrustsNothing() {
        let v = ChainVerifier.verify(chain: Fixture.ders("chain-good.pem"), store: .empty, at: Fixture.captureTime,
                                     purpose: .serverAuth, cache: CertificateCache())
        #expect(v.status == .untrusted)
        #expect(v.storeLabel == "empty trust store")
        #expect(v.has(.untrustedRoot))
    }

    @Test func absentSystemStoreIsEmptyAndSaysSo() {
        let s = TrustStore.system(bundle: "/nonexistent/ca.crt", directory: "/nonexistent/certs")
        #expect(s.certificates.isEmpty)
        #expect(s.label.contains("missing"))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/ssl/certs")))
    func systemStoreLoadsTheDistributionCAs() {
        let s = TrustStore.system()
        #expect(s.certificates.count > 50)
        #expect(s.label.hasPrefix("system store (/etc/ssl/certs"))
        #expect(s.certificates.allSatisfy { $0.isSelfIssued || $0.isCA })
        // Our private PKI is not in it.
        let v = ChainVerifier.verify(chain: Fixture.ders("chain-good.pem"), store: s, at: Fixture.captureTime,
                                     purpose: .serverAuth, cache: CertificateCache())
        #expect(v.status == .untrusted)
        #expect(v.issues(of: .untrustedRoot).first?.missingIssuer == "CN=Example Root A,O=Example")
    }
}

@Suite struct TrustStoreFormatTests {
    @Test func trustedCertificatePEMIsRead() throws {
        let s = try TrustStore.load(paths: [Fixture.path("vendorRoot-trusted.pem")], label: "aux")
        #expect(s.certificates.map(\.sha256) == [Fixture.summary("vendorRoot").sha256])
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/etc/ssl/certs")))
    func systemStoreFallsBackToTheDirectory() {
        let s = TrustStore.system(bundle: "/nonexistent/ca-certificates.crt", directory: "/etc/ssl/certs")
        #expect(s.label == "system store (/etc/ssl/certs)")
        #expect(s.certificates.count > 50)
    }
}
