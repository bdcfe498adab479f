import Testing
import WireCore
@testable import X509Inspect

@Suite struct ChainVerifierTests {
    let cache = CertificateCache()
    let rootA = Fixture.store("rootA", label: "--client-trust ./trusted")

    func verify(_ chain: [[UInt8]], store: TrustStore?, at time: Timestamp = Fixture.captureTime,
                purpose: ChainPurpose = .serverAuth) -> ChainVerdict {
        ChainVerifier.verify(chain: chain, store: store, at: time, purpose: purpose, cache: cache)
    }

    func kinds(_ v: ChainVerdict) -> Set<ChainIssue.Kind> { Set(v.issues.map(\.kind)) }

    // MARK: good chains

    @Test func goodChainIsTrustedWithNoIssues() {
        let v = verify(Fixture.ders("chain-good.pem"), store: rootA)
        #expect(v.status == .trusted)
        #expect(v.issues.isEmpty, "\(v.issues)")
        #expect(v.isGood)
        #expect(v.storeLabel == "--client-trust ./trusted")
        #expect(v.opensslError == nil)
        #expect(v.builtChain.map(\.subjectCommonName) == ["sip.example.com", "Example Intermediate A", "Example Root A"])
    }

    @Test func leafSignedDirectlyByTheRootIsTrusted() {
        let v = verify([Fixture.der("leaf-direct")], store: rootA)
        #expect(v.isGood, "\(v.issues)")
        #expect(v.builtChain.count == 2)
    }

    @Test func deviceChainIsTrustedForClientAuthByTheVendorRoot() {
        let v = verify(Fixture.ders("chain-device.pem"), store: Fixture.store("vendorRoot"), purpose: .clientAuth)
        #expect(v.isGood, "\(v.issues)")
        #expect(v.builtChain.count == 3)
    }

    @Test func withoutAStoreTrustIsNotCheckedButNothingElseIsWrong() {
        let v = verify(Fixture.ders("chain-device.pem"), store: nil, purpose: .clientAuth)
        #expect(v.status == .notChecked)
        #expect(v.storeLabel == nil)
        #expect(v.issues.isEmpty, "\(v.issues)")
        #expect(v.opensslError == nil)
        // A lone leaf is not "incomplete" when nobody said what the peer trusts.
        let lone = verify([Fixture.der("leaf")], store: nil)
        #expect(lone.status == .notChecked)
        #expect(lone.issues.isEmpty, "\(lone.issues)")
    }

    // MARK: trust

    @Test func missingIntermediateIsAnIncompleteChainNamingTheIssuer() {
        let intA = Fixture.summary("intA")
        let v = verify([Fixture.der("leaf")], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 20)   // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        #expect(v.opensslErrorText?.contains("local issuer") == true)
        let issue = v.issues(of: .incompleteChain).first
        #expect(issue?.certificateIndex == 0)
        #expect(issue?.missingIssuer == "CN=Example Intermediate A,O=Example")
        #expect(issue?.missingIssuerKeyID == intA.subjectKeyIdentifier)
        #expect(issue?.detail.contains("--client-trust ./trusted") == true)
        #expect(!v.has(.untrustedRoot) && !v.has(.selfSignedLeaf))
    }

    @Test func chainWhoseRootTheStoreLacksNamesTheMissingRoot() {
        let store = Fixture.store("unrelatedRoot")
        // Sent without the root (as servers do): the root is the missing issuer of the intermediate,
        // which is an untrusted root, not an incomplete chain.
        let v = verify(Fixture.ders("chain-good.pem"), store: store)
        #expect(v.status == .untrusted)
        #expect(!v.has(.incompleteChain))
        let issue = v.issues(of: .untrustedRoot).first
        #expect(issue?.certificateIndex == 1)
        #expect(issue?.missingIssuer == "CN=Example Root A,O=Example")
        #expect(issue?.missingIssuerKeyID == Fixture.summary("rootA").subjectKeyIdentifier)
        // Sent with the root: complete, but ends at a root the peer does not have.
        let withRoot = verify(Fixture.ders("chain-good.pem") + [Fixture.der("rootA")], store: store)
        #expect(withRoot.status == .untrusted)
        #expect(withRoot.opensslError == 19)   // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        let root = withRoot.issues(of: .untrustedRoot).first
        #expect(root?.certificateIndex == 2)
        #expect(root?.missingIssuer == "CN=Example Root A,O=Example")
        #expect(!withRoot.has(.incompleteChain))
        #expect(!withRoot.has(.unrelatedCertificate))
    }

    @Test func deviceChainAgainstTheWrongStoreNamesTheVendorRoot() {
        let v = verify(Fixture.ders("chain-device.pem"), store: rootA, purpose: .clientAuth)
        #expect(v.status == .untrusted)
        #expect(v.issues(of: .untrustedRoot).first?.missingIssuer == "CN=Vendor Root CA,O=Vendor Devices")
    }

    @Test func selfSignedLeafIsReportedUnlessTheStoreHoldsIt() {
        let v = verify([Fixture.der("selfsigned")], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 18)   // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        #expect(v.issues(of: .selfSignedLeaf).first?.certificateIndex == 0)
        #expect(!v.has(.incompleteChain) && !v.has(.untrustedRoot))
        let pinned = verify([Fixture.der("selfsigned")], store: Fixture.store("selfsigned"))
        #expect(pinned.isGood, "\(pinned.issues)")
        let noStore = verify([Fixture.der("selfsigned")], store: nil)
        #expect(noStore.status == .notChecked)
        #expect(noStore.has(.selfSignedLeaf))
    }

    // MARK: time

    @Test func expiredLeafSaysByHowMuch() {
        let v = verify([Fixture.der("expired"), Fixture.der("intA")], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 10)   // X509_V_ERR_CERT_HAS_EXPIRED
        let issue = v.issues(of: .expired).first
        #expect(issue?.certificateIndex == 0)
        #expect(issue?.byHowMuchSeconds == Fixture.captureTime.seconds - Fixture.time("2021-01-01T00:00:00Z").seconds)
        #expect(issue?.detail == "leaf 'CN=expired.example.com,O=Example' expired 2021-01-01T00:00:00Z, 5 years 330 days before the capture")
        #expect(issue?.opensslError == 10)
        #expect(v.issues(of: .expired).count == 1)
        #expect(!v.has(.notYetValid) && !v.has(.incompleteChain))
    }

    @Test func notYetValidLeafSaysByHowMuch() {
        let v = verify([Fixture.der("notyet"), Fixture.der("intA")], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 9)   // X509_V_ERR_CERT_NOT_YET_VALID
        let issue = v.issues(of: .notYetValid).first
        #expect(issue?.certificateIndex == 0)
        #expect(issue?.byHowMuchSeconds == Fixture.time("2035-01-01T00:00:00Z").seconds - Fixture.captureTime.seconds)
        #expect(!v.has(.expired))
    }

    @Test func timeTravelMakesTheGoodLeafExpired() {
        let when = Fixture.time("2036-06-01T00:00:00Z")
        let v = verify(Fixture.ders("chain-good.pem"), store: rootA, at: when)
        #expect(v.status == .untrusted)
        let expired = v.issues(of: .expired)
        #expect(expired.map(\.certificateIndex) == [0])   // the CAs are valid until 2045
        #expect(expired.first?.byHowMuchSeconds == when.seconds - Fixture.time("2035-01-01T00:00:00Z").seconds)
        #expect(expired.first?.detail.contains("1 year 152 days") == true)
        // …and back before the leaf existed.
        let early = verify(Fixture.ders("chain-good.pem"), store: rootA, at: Fixture.time("2024-06-01T00:00:00Z"))
        #expect(early.issues(of: .notYetValid).map(\.certificateIndex) == [0])
    }

    @Test func anExpiredRootInTheStoreIsReportedWithoutAnIndex() {
        let v = verify(Fixture.ders("chain-good.pem"), store: rootA, at: Fixture.time("2046-01-01T00:00:00Z"))
        let expired = v.issues(of: .expired)
        #expect(expired.map(\.certificateIndex) == [0, 1, nil])
        #expect(expired.last?.detail.contains("from --client-trust ./trusted") == true)
    }

    // MARK: weak crypto

    @Test func sha1SignatureIsWeakButKeyIsNot() {
        let v = verify([Fixture.der("sha1"), Fixture.der("intA")], store: rootA)
        #expect(v.issues(of: .weakSignature).map(\.certificateIndex) == [0])
        #expect(!v.has(.weakKey))
        #expect(v.issues.count == 1)
    }

    @Test func rsa1024KeyIsWeakButSignatureIsNot() {
        let v = verify([Fixture.der("rsa1024"), Fixture.der("intA")], store: rootA)
        let weak = v.issues(of: .weakKey)
        #expect(weak.map(\.certificateIndex) == [0])
        #expect(weak.first?.detail.contains("1024-bit RSA") == true)
        #expect(!v.has(.weakSignature))
        #expect(v.issues.count == 1)
    }

    @Test func p256KeyIsNotWeak() {
        let v = verify([Fixture.der("ec"), Fixture.der("intA")], store: rootA)
        #expect(v.isGood, "\(v.issues)")
    }

    // MARK: purpose

    @Test func clientOnlyCertificateServedByAServerLacksServerAuth() {
        let v = verify([Fixture.der("clientonly"), Fixture.der("intA")], store: rootA, purpose: .serverAuth)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 26)   // X509_V_ERR_INVALID_PURPOSE
        #expect(v.issues.map(\.kind) == [.missingServerAuthEKU])
        #expect(v.issues.first?.certificateIndex == 0)
        let asClient = verify([Fixture.der("clientonly"), Fixture.der("intA")], store: rootA, purpose: .clientAuth)
        #expect(asClient.isGood, "\(asClient.issues)")
    }

    @Test func serverCertificateOfferedAsAClientCertificateLacksClientAuth() {
        let v = verify(Fixture.ders("chain-good.pem"), store: rootA, purpose: .clientAuth)
        #expect(v.issues.map(\.kind) == [.missingClientAuthEKU])
        let device = verify(Fixture.ders("chain-device.pem"), store: Fixture.store("vendorRoot"), purpose: .serverAuth)
        #expect(device.has(.missingServerAuthEKU))
    }

    @Test func keyUsageThatForbidsThePurposeIsAnInvalidPurposeNotAMissingEKU() {
        // A CA certificate (keyCertSign only, no EKU extension) presented as a client's leaf.
        let v = verify([Fixture.der("rootA")], store: rootA, purpose: .clientAuth)
        #expect(!v.has(.missingClientAuthEKU))
        #expect(v.issues(of: .invalidPurpose).map(\.certificateIndex) == [0])
    }

    // MARK: shape of the chain

    @Test func outOfOrderChainIsTrustedButReported() {
        let v = verify(Fixture.ders("chain-outoforder.pem"), store: rootA)
        #expect(v.status == .trusted)
        #expect(v.issues.map(\.kind) == [.outOfOrder])
        #expect(v.issues.first?.certificateIndex == 2)
        #expect(v.builtChain.count == 4)
    }

    @Test func unrelatedCertificateIsReported() {
        let v = verify(Fixture.ders("chain-unrelated.pem"), store: rootA)
        #expect(v.status == .trusted)
        #expect(v.issues.map(\.kind) == [.unrelatedCertificate])
        #expect(v.issues.first?.certificateIndex == 2)
        #expect(v.issues.first?.detail.contains("Unrelated Root") == true)
    }

    @Test func rootSentAlongIsNeitherUnrelatedNorOutOfOrder() {
        let v = verify(Fixture.ders("chain-good.pem") + [Fixture.der("rootA")], store: rootA)
        #expect(v.isGood, "\(v.issues)")
    }

    @Test func tamperedSignatureIsBad() {
        var leaf = Fixture.der("leaf")
        leaf[leaf.count - 1] ^= 0x01   // last byte of the signature value
        let v = verify([leaf, Fixture.der("intA")], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.opensslError == 7)   // X509_V_ERR_CERT_SIGNATURE_FAILURE
        #expect(v.issues(of: .badSignature).map(\.certificateIndex) == [0])
    }

    // MARK: malformed input

    @Test func emptyCertificateMessage() {
        let v = verify([], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.issues.map(\.kind) == [.noCertificates])
        #expect(verify([], store: nil).status == .notChecked)
    }

    @Test func undecodableLeafIsUnparsable() {
        let v = verify([[0x30, 0x03, 0x02, 0x01, 0x00]], store: rootA)
        #expect(v.status == .untrusted)
        #expect(v.issues.map(\.kind) == [.unparsable])
        #expect(v.builtChain.isEmpty)
    }

    @Test func undecodableIntermediateIsReportedAndTheRestStillVerifies() {
        let v = verify([Fixture.der("leaf"), [1, 2, 3], Fixture.der("intA")], store: rootA)
        #expect(v.status == .trusted)
        #expect(v.issues.map(\.kind) == [.unparsable])
        #expect(v.issues.first?.certificateIndex == 1)
    }

    @Test func certificatesFromOtherConnectionsAreNeverUsed() {
        // Verify the good chain once (intA passes through the shared cache), then the lone leaf: still incomplete.
        _ = verify(Fixture.ders("chain-good.pem"), store: rootA)
        #expect(verify([Fixture.der("leaf")], store: rootA).has(.incompleteChain))
    }

    @Test func concurrentVerificationsShareOneStore() async {
        let store = rootA
        let cache = self.cache
        let good = Fixture.ders("chain-good.pem")
        let lone = [Fixture.der("leaf")]
        let results = await withTaskGroup(of: (Bool, ChainVerdict.Status).self) { group in
            for i in 0..<64 {
                group.addTask {
                    let chain = i % 2 == 0 ? good : lone
                    return (i % 2 == 0, ChainVerifier.verify(chain: chain, store: store, at: Fixture.captureTime,
                                                            purpose: .serverAuth, cache: cache).status)
                }
            }
            var all: [(Bool, ChainVerdict.Status)] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0.0 ? $0.1 == .trusted : $0.1 == .untrusted })
    }

    @Test func durationsReadLikeACalendar() {
        func d(_ a: String, _ b: String) -> String { Durations.describe(from: Fixture.time(a), to: Fixture.time(b)) }
        #expect(d("2021-01-01T00:00:00Z", "2026-11-27T00:00:00Z") == "5 years 330 days")
        #expect(d("2024-02-29T00:00:00Z", "2025-03-01T00:00:00Z") == "1 year 1 day")
        #expect(d("2026-11-25T00:00:00Z", "2026-11-27T03:00:00Z") == "2 days 3 hours")
        #expect(d("2026-11-27T00:00:00Z", "2026-11-27T02:05:00Z") == "2 hours 5 minutes")
        #expect(d("2026-11-27T00:00:00Z", "2026-11-27T00:00:40Z") == "40 seconds")
    }
}

@Suite struct ChainVerifierOptionsTests {
    @Test func intermediateInTheStoreIsAnAnchorOnlyWithPartialChains() {
        let store = Fixture.store("intA", label: "certs/trusted")
        let chain = [Fixture.der("leaf")]
        let cache = CertificateCache()
        let strict = ChainVerifier.verify(chain: chain, store: store, at: Fixture.captureTime, purpose: .serverAuth, cache: cache)
        #expect(strict.status == .untrusted)
        let missing = strict.issues(of: .incompleteChain).first
        #expect(missing?.certificateIndex == nil)   // the certificate lacking an issuer came from the store
        #expect(missing?.missingIssuer == "CN=Example Root A,O=Example")
        let partial = ChainVerifier.verify(chain: chain, store: store, at: Fixture.captureTime, purpose: .serverAuth,
                                           cache: cache, options: .init(allowPartialChain: true))
        #expect(partial.isGood, "\(partial.issues)")
        #expect(partial.builtChain.count == 2)
    }
}
