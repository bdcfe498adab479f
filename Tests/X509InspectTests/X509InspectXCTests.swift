import XCTest
@testable import X509Inspect

/// The core verdicts once more under XCTest, so either runner catches a regression.
final class X509InspectXCTests: XCTestCase {
    func testGoodChainIsTrustedAndLoneLeafIsIncomplete() throws {
        let store = try TrustStore.load(paths: [Fixture.path("rootA.pem")], label: "rootA")
        let cache = CertificateCache()
        let good = ChainVerifier.verify(chain: Fixture.ders("chain-good.pem"), store: store, at: Fixture.captureTime,
                                        purpose: .serverAuth, cache: cache)
        XCTAssertEqual(good.status, .trusted)
        XCTAssertEqual(good.issues, [])
        let lone = ChainVerifier.verify(chain: [Fixture.der("leaf")], store: store, at: Fixture.captureTime,
                                        purpose: .serverAuth, cache: cache)
        XCTAssertEqual(lone.status, .untrusted)
        XCTAssertEqual(lone.issues.map(\.kind), [.incompleteChain])
        XCTAssertEqual(lone.issues.first?.missingIssuer, "CN=Example Intermediate A,O=Example")
    }

    func testGarbageDoesNotDecode() {
        XCTAssertThrowsError(try CertificateDecoder.decode(der: [0xde, 0xad, 0xbe, 0xef]))
    }
}
