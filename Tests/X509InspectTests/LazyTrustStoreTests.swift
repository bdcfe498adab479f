import Foundation
import Testing
import TestSupport
@testable import X509Inspect

/// The trust store reads PEM bodies and certificate outlines itself (so the system bundle needs no OpenSSL
/// decoding at start-up): those readers get every cut and corruption of real certificates, and the
/// on-demand store must judge chains exactly as a store filled with everything.
@Suite struct LazyTrustStoreTests {
    static let certificates = ["rootA", "intA", "leaf", "device", "ec", "expired", "deep"].map { Fixture.der($0) }

    @Test func subjectIsTheDERSubjectName() throws {
        for der in Self.certificates {
            let subject = try #require(DERCertificateFields.subject(of: der))
            #expect(subject.first == 0x30)
            // OpenSSL's reading of the same bytes names the same subject.
            let summary = try CertificateDecoder.decode(der: der)
            #expect(DistinguishedName.rfc4514(der: Array(subject)) == summary.subject)
            #expect(DERCertificateFields.leadingCertificate(der)?.count == der.count)
        }
    }

    @Test func everyCutOfACertificateIsRejectedWithoutATrap() {
        for der in Self.certificates {
            for cut in 0..<der.count {
                let part = Array(der.prefix(cut))
                #expect(DERCertificateFields.leadingCertificate(part) == nil, "cut at \(cut)")
                _ = DERCertificateFields.subject(of: part)   // may find the subject in a long enough prefix; must not trap
            }
        }
    }

    @Test func corruptedCertificatesNeverTrap() {
        var rng = SplitMix64(seed: 0x7e57)
        for der in Self.certificates {
            for _ in 0..<2_000 {
                var bytes = der
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                _ = DERCertificateFields.subject(of: bytes)
                _ = DERCertificateFields.leadingCertificate(bytes)
            }
        }
    }

    @Test func pemBodiesDecodeAsOpenSSLWritesThem() throws {
        for der in Self.certificates {
            let pem = PEMExport.pem(der: der)
            let body = pem.utf8.split(separator: UInt8(ascii: "\n")).dropFirst().dropLast().joined(separator: [0x0a])
            #expect(Base64.decodePEMBody(Array(body)[...]) == der)
        }
        #expect(Base64.decodePEMBody(Array("TWFu".utf8)[...]) == Array("Man".utf8))
        #expect(Base64.decodePEMBody(Array("TWE=\r\n".utf8)[...]) == Array("Ma".utf8))
        #expect(Base64.decodePEMBody(Array("TQ==".utf8)[...]) == Array("M".utf8))
        #expect(Base64.decodePEMBody(Array("TW!u".utf8)[...]) == nil)       // not base64
        #expect(Base64.decodePEMBody(Array("TQ==TQ==".utf8)[...]) == nil)   // data after padding
        #expect(Base64.decodePEMBody(Array("".utf8)[...]) == nil)
    }

    @Test func onDemandStoreJudgesLikeAFullOne() {
        // A store of many roots, filled only as chains name them, against the same roots decoded up front.
        let roots = Fixture.ders("bundle-roots.pem")
        let lazy = TrustStore(label: "lazy", ders: roots)
        let eager = TrustStore(label: "lazy", ders: roots)
        // Every root into the eager store's X509_STORE before any verification (each names itself).
        eager.prepared.prepare(for: roots.map { try! OpenSSLCertificate.parse(der: $0) })
        #expect(ChainVerifier.verify(chain: Fixture.ders("chain-good.pem"), store: lazy, at: Fixture.captureTime,
                                     purpose: .serverAuth, cache: CertificateCache()).status == .trusted)
        for chain in ["chain-good.pem", "chain-device.pem", "chain-unrelated.pem", "chain-outoforder.pem"] {
            for purpose in [ChainPurpose.serverAuth, .clientAuth] {
                let a = ChainVerifier.verify(chain: Fixture.ders(chain), store: lazy, at: Fixture.captureTime,
                                             purpose: purpose, cache: CertificateCache())
                let b = ChainVerifier.verify(chain: Fixture.ders(chain), store: eager, at: Fixture.captureTime,
                                             purpose: purpose, cache: CertificateCache())
                #expect(a.status == b.status, "\(chain) \(purpose)")
                #expect(a.issues.map(\.kind) == b.issues.map(\.kind), "\(chain) \(purpose)")
            }
        }
        // Summaries come on demand and match.
        #expect(lazy.certificates.map(\.sha256) == eager.certificates.map(\.sha256))
    }
}
