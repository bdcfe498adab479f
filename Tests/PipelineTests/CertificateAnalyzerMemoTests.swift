import Testing
import Foundation
import WireCore
import Connections
import X509Inspect
@testable import Diagnosis

/// CertificateAnalyzer remembers the chains it has seen (by their exact bytes) so repeated chains are
/// not decoded and keyed again: a repeated chain must get exactly the report a first sighting gets,
/// and chains that differ in any byte must not be taken for one another.
struct CertificateAnalyzerMemoTests {
    static func analyzer() -> CertificateAnalyzer {
        CertificateAnalyzer(trust: TrustConfiguration(clientTrust: Fixtures.systemStore, clientTrustExplicit: false, serverTrust: nil),
                            cache: CertificateCache())
    }

    static func summary(_ r: ChainReport?) -> String {
        guard let r else { return "none" }
        let certs = r.certificates.map { $0.summary?.sha256 ?? "undecodable: \($0.decodeError ?? "?")" }
        return "\(certs) \(r.verdict.status) \(r.verdict.opensslError.map(String.init) ?? "-") \(r.verdict.issues.map(\.kind)) "
            + "\(r.hostnameChecked ?? "-") \(r.hostnameMatches.map { "\($0)" } ?? "-")"
    }

    @Test func aRepeatedChainGetsTheSameReportAsItsFirstSighting() throws {
        let c = try #require(try Fixtures.analyze("tls12_ok.pcapng").connections.first).connection
        #expect(c.tls.serverCertificate != nil)
        let a = Self.analyzer()
        let first = a.analyze(c).server
        let again = a.analyze(c).server
        let fresh = Self.analyzer().analyze(c).server
        #expect(Self.summary(first) == Self.summary(fresh))
        #expect(Self.summary(again) == Self.summary(fresh))
        #expect(first?.certificates.count == c.tls.serverCertificate?.value.certificates.count)
    }

    @Test func aChainDifferingInOneMiddleByteIsNotMistakenForAKnownOne() throws {
        let c = try #require(try Fixtures.analyze("tls12_ok.pcapng").connections.first).connection
        var altered = c
        var message = try #require(c.tls.serverCertificate)
        var leaf = try #require(message.value.certificates.first)
        leaf[leaf.count / 2] ^= 0x01          // inside the TBS: not in the sampled head or tail
        message.value.certificates[0] = leaf
        altered.tls.serverCertificate = message

        let a = Self.analyzer()
        let original = Self.summary(a.analyze(c).server)
        let changed = Self.summary(a.analyze(altered).server)
        #expect(changed != original)
        #expect(changed == Self.summary(Self.analyzer().analyze(altered).server))
        #expect(Self.summary(a.analyze(c).server) == original)
    }

    @Test func derSequencesAreEqualOnlyWhenEveryByteIs() {
        let base = [UInt8](repeating: 7, count: 200)
        var middle = base
        middle[100] = 8
        #expect(DERSequence([base]) == DERSequence([base]))
        #expect(DERSequence([base]) != DERSequence([middle]))
        #expect(DERSequence([base]).hashValue == DERSequence([middle]).hashValue)   // same sample, told apart by ==
        #expect(DERSequence([base, base]) != DERSequence([base]))
        #expect(DERSequence([[], base]) != DERSequence([base, []]))
        #expect(DERSequence([[]]) == DERSequence([[]]))
    }
}
