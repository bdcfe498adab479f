import COpenSSL
import Foundation
import Testing
import TestSupport
@testable import X509Inspect

/// Start-up shortcuts of the trust store: PEM bodies decoded four characters at a time, and the OpenSSL store and
/// fingerprints built on first use. Each must answer exactly as the straightforward way did.
@Suite struct TrustStartupTests {
    /// The decoder as it was before the four-character fast path: one character at a time.
    static func referenceDecode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0, bits = 0, padding = 0
        for c in text {
            let v: UInt32
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): v = 62
            case UInt8(ascii: "/"): v = 63
            case UInt8(ascii: "="): padding += 1; continue
            case 0x0a, 0x0d, 0x20, 0x09: continue
            default: return nil
            }
            guard padding == 0 else { return nil }
            accumulator = accumulator << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        guard padding <= 2, !out.isEmpty else { return nil }
        return out
    }

    static func expectSameDecoding(_ text: [UInt8], _ comment: Comment? = nil) {
        #expect(Base64.decodePEMBody(text[...]) == referenceDecode(text), comment)
        // Through a slice that does not start at index 0, as PEM blocks are cut from a file.
        let framed = Array("x".utf8) + text + Array("y".utf8)
        #expect(Base64.decodePEMBody(framed[1..<(framed.count - 1)]) == referenceDecode(text), comment)
    }

    static let certificates = ["rootA", "intA", "leaf", "device", "ec", "expired", "deep"].map { Fixture.der($0) }

    @Test func certificateBodiesInAnyLineLayoutDecodeAsBefore() {
        for der in Self.certificates {
            let b64 = Array(Base64.encode(der).utf8)
            for width in [1, 3, 4, 5, 63, 64, 76, b64.count] {
                for separator in [[0x0a], [0x0d, 0x0a], [0x20], [0x09, 0x20, 0x0a]] as [[UInt8]] {
                    var text: [UInt8] = []
                    for start in stride(from: 0, to: b64.count, by: width) {
                        text += b64[start..<min(start + width, b64.count)] + separator
                    }
                    #expect(Base64.decodePEMBody(text[...]) == der, "width \(width)")
                    Self.expectSameDecoding(text, "width \(width)")
                }
            }
        }
    }

    @Test func paddingWhitespaceAndBadCharactersAreJudgedAsBefore() {
        let cases = ["TWFu", "TWE=", "TQ==", "TQ=", "TQ===", "TWFuTWFu", "TWFu\nTWE=\n", "TWE=\r\n", " TWFu ", "\tTW Fu",
                     "TW!u", "TWFu!", "TWFuTW-u", "TQ==TQ==", "TQ==\nTWFu", "TWFu=TWFu", "=", "==", "", "\n", "T", "TW",
                     "TWF", "TWFuT", "TWFuTW", "TW\nFu", "TWFu\u{0}", "TWFu\u{7f}", "TWFu\u{ff}", "T=Fu", "TWFu==", "TWFuTQ=\n="]
        for text in cases { Self.expectSameDecoding(Array(text.utf8), "\(text.debugDescription)") }
        #expect(Base64.decodePEMBody(Array("TWFu".utf8)[...]) == Array("Man".utf8))
        #expect(Base64.decodePEMBody(Array("TW!u".utf8)[...]) == nil)
        #expect(Base64.decodePEMBody(Array("TQ==TQ==".utf8)[...]) == nil)
    }

    @Test func corruptedBodiesDecodeAsBefore() {
        var rng = SplitMix64(seed: 0xb64)
        let alphabetAndMore = Array("ABCXYZabcxyz0189+/=\n\r \t!-_.\u{0}".utf8) + [0x80, 0xff]
        for der in Self.certificates {
            let pem = Array(PEMExport.pem(der: der).utf8)
            let body = Array(pem.split(separator: UInt8(ascii: "\n")).dropFirst().dropLast().joined(separator: [0x0a]))
            for _ in 0..<300 {
                var text = body
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<text.count, using: &rng)
                    let c = alphabetAndMore[Int.random(in: 0..<alphabetAndMore.count, using: &rng)]
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: text[at] = c
                    case 1: text.insert(c, at: at)
                    default: text.remove(at: at)
                    }
                }
                Self.expectSameDecoding(text)
            }
        }
    }

    @Test func storeBuiltOnFirstUseJudgesLikeOneBuiltUpFront() {
        let roots = Fixture.ders("bundle-roots.pem")
        let eager = TrustStore(label: "roots", ders: roots)
        _ = eager.prepared   // the OpenSSL store exists before any verification, as every run used to build it
        let chains = ["chain-good.pem", "chain-device.pem", "chain-unrelated.pem", "chain-outoforder.pem"]
        let expected = chains.map {
            ChainVerifier.verify(chain: Fixture.ders($0), store: eager, at: Fixture.captureTime, purpose: .serverAuth,
                                 cache: CertificateCache())
        }
        #expect(expected.contains { $0.status == .trusted })
        #expect(expected.contains { $0.status == .untrusted })
        // Many verifications racing to build a fresh store's OpenSSL store (the render thread and --jobs workers).
        for _ in 0..<5 {
            let lazy = TrustStore(label: "roots", ders: roots)
            let results = Verdicts()
            DispatchQueue.concurrentPerform(iterations: 16) { i in
                let v = ChainVerifier.verify(chain: Fixture.ders(chains[i % chains.count]), store: lazy,
                                             at: Fixture.captureTime, purpose: .serverAuth, cache: CertificateCache())
                results.lock.withLock { results.byIndex[i] = v }
            }
            let got = results.byIndex
            for i in 0..<16 {
                #expect(got[i]?.status == expected[i % chains.count].status, "\(chains[i % chains.count])")
                #expect(got[i]?.issues.map(\.kind) == expected[i % chains.count].issues.map(\.kind))
                #expect(got[i]?.storeLabel == "roots")
            }
        }
    }

    static func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        if body.count < 0x80 { return [tag, UInt8(body.count)] + body }
        return [tag, 0x82, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }

    /// A Name of one RDN per attribute (CN, O, …: OID content bytes and the value's tag and bytes), or several in one RDN.
    static func name(_ rdns: [[(oid: [UInt8], tag: UInt8, value: [UInt8])]]) -> [UInt8] {
        tlv(0x30, rdns.flatMap { rdn in tlv(0x31, rdn.flatMap { tlv(0x30, tlv(0x06, $0.oid) + tlv($0.tag, $0.value)) }) })
    }

    static func expectOpenSSLHash(_ der: [UInt8], _ sha1: OpaquePointer?, _ comment: Comment? = nil) {
        let fast = OpenSSLStore.nameHash(der: der[...], sha1: sha1)
        let openssl = OpenSSLStore.nameHash(der: der[...], sha1: nil)
        #expect(fast == openssl, comment)
    }

    @Test func subjectHashesAreOpenSSLsOwn() throws {
        let sha1 = EVP_MD_fetch(nil, "SHA1", nil)
        defer { EVP_MD_free(sha1) }
        var ders = Self.certificates + Fixture.ders("bundle-roots.pem")
        let bundle = "/etc/ssl/certs/ca-certificates.crt"
        if let data = FileManager.default.contents(atPath: bundle) { ders += TrustStore.pemCertificates([UInt8](data)).0 }
        var canonicalisedHere = 0
        for der in ders {
            let subject = try #require(DERCertificateFields.subject(of: der))
            if CanonicalName.encoding(subject) != nil { canonicalisedHere += 1 }
            Self.expectOpenSSLHash(Array(subject), sha1, "\(DistinguishedName.rfc4514(der: Array(subject)))")
        }
        #expect(canonicalisedHere * 10 >= ders.count * 8)   // the shortcut is the common case

        let cn: [UInt8] = [0x55, 0x04, 0x03], o: [UInt8] = [0x55, 0x04, 0x0a], c: [UInt8] = [0x55, 0x04, 0x06]
        let texts = ["Example CA", "  example   ca ", "EXAMPLE\tCA", "Example\r\n CA\u{0b}\u{0c}", "", "   ", "a", "A  B  C",
                     "Ex@mple_CA-1 (R3)", String(repeating: "Long Name ", count: 20), "caf\u{e9}", "\u{0}x"]
        var sameAsFirst = 0
        for text in texts {
            for tag: UInt8 in [0x0c, 0x13, 0x14, 0x16, 0x1a, 0x1e, 0x12] {   // UTF8, Printable, T61, IA5, Visible, BMP, Numeric
                let value = tag == 0x1e ? Array(text.utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] } : Array(text.utf8)
                let der = Self.name([[(c, 0x13, Array("DE".utf8))], [(o, 0x0c, Array("Org".utf8))], [(cn, tag, value)]])
                Self.expectOpenSSLHash(der, sha1, "\(text.debugDescription) tag \(tag)")
                let reference = Self.name([[(c, 0x13, Array("DE".utf8))], [(o, 0x0c, Array("Org".utf8))], [(cn, 0x13, Array("Example CA".utf8))]])
                if OpenSSLStore.nameHash(der: der[...], sha1: sha1) == OpenSSLStore.nameHash(der: reference[...], sha1: nil) { sameAsFirst += 1 }
            }
        }
        #expect(sameAsFirst >= 18)   // case, whitespace and string type do not change the hash of "example ca"
        // Shapes left to OpenSSL: several attributes in one RDN, an empty Name, a long-form length that is not the shortest.
        let multi = Self.name([[(cn, 0x13, Array("B".utf8)), (o, 0x13, Array("A".utf8))]])
        #expect(CanonicalName.encoding(multi[...]) == nil)
        Self.expectOpenSSLHash(multi, sha1)
        #expect(CanonicalName.encoding([0x30, 0x00][...]) == nil)
        let padded: [UInt8] = [0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03] + cn + [0x13, 0x81, 0x01, 0x61]
        #expect(CanonicalName.encoding(padded[...]) == nil)
    }

    @Test func pemMarkersAreFoundWhereverTheyFall() {
        func blocks(_ text: String) -> [String] {
            TrustStore.pemBlocks(Array(text.utf8)).map { "\($0.label)|\(String(decoding: $0.body, as: UTF8.self))" }
        }
        #expect(blocks("-----BEGIN A-----xy-----END A-----") == ["A|xy"])
        #expect(blocks("---- -----BEGIN A-----\n-x-\n-----END B----- -----END A-----") == ["A|\n-x-\n-----END B----- "])
        #expect(blocks("-----BEGIN A-----1-----END A----------BEGIN B-----2-----END B-----") == ["A|1", "B|2"])
        #expect(blocks("-----BEGIN A-----1-----END A----") == [])   // end marker cut short
        #expect(blocks("-----BEGIN A") == [])
        #expect(blocks("----") == [])
        #expect(blocks("") == [])
        #expect(blocks("junk -----BEGIN CERTIFICATE-----\nTWFu\n-----END CERTIFICATE-----\n") == ["CERTIFICATE|\nTWFu\n"])
    }

    @Test func duplicateCertificatesAreKeptOnceAndNearDuplicatesTwice() {
        let a = Fixture.der("rootA"), b = Fixture.der("intA")
        var sameTail = a
        sameTail[15] ^= 0x01   // a serial byte: still a certificate, differing only far from the end the duplicate check hashes
        let store = TrustStore(label: "dups", ders: [a, b, a, sameTail, b])
        #expect(store.certificates.count == 3, "a, b and the near-duplicate; the repeats once")
        #expect(store.contains(sha256: Digest.sha256(sameTail)))
        #expect(TrustStore(label: "x", ders: [a, b, a, sameTail, b]).merged(with: .empty, label: "m").contains(sha256: Digest.sha256(a)))
        #expect(store.merged(with: TrustStore(label: "y", ders: [sameTail]), label: "m").certificates.count
                == store.certificates.count)
        let merged = TrustStore(label: "a", ders: [a, b]).merged(with: TrustStore(label: "b", ders: [b, sameTail, a]), label: "ab")
        #expect(merged.contains(sha256: Digest.sha256(sameTail)))
    }

    @Test func membershipIsAnsweredWithoutAVerification() {
        let roots = Fixture.ders("bundle-roots.pem")
        let store = TrustStore(label: "roots", ders: roots)
        for der in roots { #expect(store.contains(sha256: Digest.sha256(der))) }
        #expect(!store.contains(sha256: Digest.sha256(Fixture.der("leaf"))))
        let decoded = Fixture.store("rootA", "intA")
        #expect(decoded.contains(sha256: Fixture.summary("rootA").sha256))
        #expect(!decoded.contains(sha256: Fixture.summary("leaf").sha256))
    }
}

private final class Verdicts: @unchecked Sendable {   // `byIndex` is behind `lock`
    let lock = NSLock()
    var byIndex: [Int: ChainVerdict] = [:]
}
