import Testing
@testable import TLSWire
import WireCore

func hsParse(_ type: HandshakeType, _ bytes: [UInt8], version: ProtocolVersion? = nil,
           suite: UInt16? = nil) throws -> HandshakeMessage {
    try HandshakeMessage.parse(type: type, body: bytes[...],
                               context: HandshakeContext(negotiatedVersion: version, cipherSuite: suite.map(CipherSuite.init(rawValue:))))
}

@Suite struct HandshakeCertificateTests {
    // DER sizes of the capture PKI: server leaf 838, intermediate 843, roots 833 / 837 bytes.

    @Test func tls12ServerCertificateCarriesLeafThenIntermediate() throws {
        for version in [ProtocolVersion.tls12, nil] {
            guard case .certificate(let c) = try hsParse(.certificate, HandshakeFixtures.tls12Certificate, version: version) else {
                Issue.record("not a Certificate"); return
            }
            #expect(c.certificates.map(\.count) == [838, 843])
            #expect(c.certificates.allSatisfy { $0.prefix(2) == [0x30, 0x82] })  // DER SEQUENCE, 2-byte length
            #expect(!c.isTLS13Layout && c.requestContext.isEmpty && !c.isEmpty)
        }
    }

    @Test func tls13CertificateHasAContextAndPerEntryExtensions() throws {
        for version in [ProtocolVersion.tls13, nil] {  // without a version: the 1.2 layout fails, 1.3 fits
            guard case .certificate(let c) = try hsParse(.certificate, HandshakeFixtures.tls13Certificate, version: version) else {
                Issue.record("not a Certificate"); return
            }
            #expect(c.isTLS13Layout)
            #expect(c.requestContext.isEmpty)
            #expect(c.certificates.map(\.count) == [838, 843])
            #expect(c.certificateExtensions == [[], []])
        }
        // The same server chain in both layouts.
        guard case .certificate(let c13) = try hsParse(.certificate, HandshakeFixtures.tls13Certificate, version: .tls13),
              case .certificate(let c12) = try hsParse(.certificate, HandshakeFixtures.tls12Certificate, version: .tls12) else { return }
        #expect(c13.certificates == c12.certificates)
        // A 1.3 body read as 1.2 does not fit.
        #expect(hsDecodeError { _ = try hsParse(.certificate, HandshakeFixtures.tls13Certificate, version: .tls12) } != nil)
    }

    @Test func clientWithoutACertificateSendsAnEmptyList() throws {
        #expect(HandshakeFixtures.tls12EmptyClientCertificate == [0, 0, 0])
        guard case .certificate(let c) = try hsParse(.certificate, HandshakeFixtures.tls12EmptyClientCertificate, version: .tls12) else {
            Issue.record("not a Certificate"); return
        }
        #expect(c.isEmpty)
        // The TLS 1.3 form of "no certificate" is a context byte plus an empty list: 00 000000.
        guard case .certificate(let c13) = try hsParse(.certificate, [0, 0, 0, 0], version: .tls13) else { return }
        #expect(c13.isEmpty && c13.isTLS13Layout)
        #expect(hsDecodeError { _ = try hsParse(.certificate, [0, 0, 0], version: .tls13) }?.code == .truncated)
    }

    @Test func certificateLengthsMustAgree() {
        // list says 5 bytes, entry says 9
        #expect(hsDecodeError { _ = try hsParse(.certificate, [0, 0, 5, 0, 0, 9, 1, 2], version: .tls12) }?.code == .lengthMismatch)
        #expect(hsDecodeError { _ = try hsParse(.certificate, [0, 0, 3, 0, 0, 0], version: .tls12) }?.code == .invalidValue)
        #expect(hsDecodeError { _ = try hsParse(.certificate, [0, 0, 0, 7], version: .tls12) }?.code == .trailingBytes)
        #expect(hsDecodeError { _ = try hsParse(.certificate, [0, 0, 9, 0], version: .tls12) }?.code == .truncated)
    }

    @Test func tls12CertificateRequestNamesTwoCAsAndSignatureAlgorithms() throws {
        for version in [ProtocolVersion.tls12, nil] {
            guard case .certificateRequest(let r) = try hsParse(.certificateRequest, HandshakeFixtures.tls12CertificateRequest, version: version) else {
                Issue.record("not a CertificateRequest"); return
            }
            #expect(r.layout == .tls12)
            #expect(r.certificateTypes == [1, 2, 64])  // rsa_sign, dss_sign, ecdsa_sign
            #expect(r.signatureAlgorithms.count == 20)
            #expect(r.signatureAlgorithms.contains(SignatureScheme(rawValue: 0x0804)))
            #expect(r.certificateAuthorities.map(\.count) == [48, 50])  // "Test Root CA", "Test Client CA"
            #expect(r.certificateAuthorities.allSatisfy { $0.first == 0x30 })
            #expect(r.certificateAuthorities[1].contains(subsequence: Array("Test Client CA".utf8)))
        }
    }

    @Test func tls10CertificateRequestHasNoSignatureAlgorithms() throws {
        for version in [ProtocolVersion.tls10, nil] {  // without a version: 1.2 does not fit, the legacy layout does
            guard case .certificateRequest(let r) = try hsParse(.certificateRequest, HandshakeFixtures.tls10CertificateRequest, version: version) else {
                Issue.record("not a CertificateRequest"); return
            }
            #expect(r.layout == .legacy)
            #expect(r.certificateTypes == [1, 2, 64])
            #expect(r.signatureAlgorithms.isEmpty)
            #expect(r.certificateAuthorities.map(\.count) == [50])
        }
    }

    @Test func tls13CertificateRequestCarriesItsFieldsAsExtensions() throws {
        guard case .certificateRequest(let r) = try hsParse(.certificateRequest, HandshakeFixtures.tls13CertificateRequest, version: .tls13) else {
            Issue.record("not a CertificateRequest"); return
        }
        #expect(r.layout == .tls13)
        #expect(r.requestContext.isEmpty)
        #expect(r.extensions.map(\.type.rawValue) == [13, 47])
        #expect(r.signatureAlgorithms.count == 16)
        #expect(r.certificateAuthorities.map(\.count) == [48, 50])
        #expect(r.extensionErrors.isEmpty)
    }

    @Test func tls12CertificateStatusStaplesOneOCSPResponse() throws {
        guard case .certificateStatus(let s) = try hsParse(.certificateStatus, HandshakeFixtures.tls12CertificateStatus, version: .tls12) else {
            Issue.record("not a CertificateStatus"); return
        }
        #expect(s.statusType == 1)
        #expect(s.length == 1347)
        #expect(s.ocspResponses.map(\.count) == [1343])
        #expect(s.ocspResponses.first?.first == 0x30)
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
