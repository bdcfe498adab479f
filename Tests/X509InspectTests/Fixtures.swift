import Foundation
import WireCore
@testable import X509Inspect

/// The committed test PKI (see Fixtures/make-fixtures.sh). PEM is decoded here with Foundation's base64,
/// independently of the module under test.
enum Fixture {
    static let directory: String = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// Every certificate in a PEM file, as DER, in order.
    static func ders(_ file: String) -> [[UInt8]] {
        let text = try! String(contentsOfFile: path(file), encoding: .utf8)
        var out: [[UInt8]] = []
        var body = ""
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("-----BEGIN CERTIFICATE-----") { inside = true; body = ""; continue }
            if line.hasPrefix("-----END CERTIFICATE-----") {
                inside = false
                out.append([UInt8](Data(base64Encoded: body)!))
                continue
            }
            if inside { body += line }
        }
        return out
    }

    static func der(_ name: String) -> [UInt8] { ders(name + ".pem")[0] }

    static func summary(_ name: String) -> CertificateSummary { try! CertificateDecoder.decode(der: der(name)) }

    /// expected.txt: name, sha256, sha1, subject, issuer as the openssl CLI printed them.
    struct Expected { var name, sha256, sha1, subject, issuer: String }

    static let expected: [Expected] = {
        let text = try! String(contentsOfFile: path("expected.txt"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Expected(name: f[0], sha256: f[1], sha1: f[2], subject: f[3], issuer: f[4])
        }
    }()

    static func store(_ names: String..., label: String = "test store") -> TrustStore {
        TrustStore(label: label, certificates: names.map(summary))
    }

    /// The date these tests pretend the capture was taken.
    static let captureTime = Timestamp(rfc3339: "2026-11-27T12:00:00Z")!

    static func time(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
}
