import COpenSSL
import CTLSShims

/// X.501 Names as they appear on the wire, e.g. in a CertificateRequest's certificate_authorities list.
public enum DistinguishedName {
    /// RFC 4514 text of a DER-encoded Name, in the same form as `CertificateSummary.subject`
    /// ("CN=Vendor Device CA,O=Vendor Devices"); nil when the bytes are not exactly one Name.
    public static func rfc4514(der: [UInt8]) -> String? {
        guard let name = ParsedName(der: der) else { return nil }
        return OpenSSLText.rfc4514(name: name.ref)
    }

    /// Whether two DER Names are the same name by X.509 rules (OpenSSL's canonical comparison: string types,
    /// case and spacing of most attributes do not matter). False when either does not decode.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard let x = ParsedName(der: a), let y = ParsedName(der: b) else { return false }
        return X509_NAME_cmp(x.ref, y.ref) == 0
    }

    /// Whether any certificate of the client's chain has its issuer or its subject among `issuerNames`
    /// (RFC 4514 text as `rfc4514(der:)` renders the acceptable-CA list). Compared without regard to case.
    public static func chainMentions(issuerNames: [String], chain: [CertificateSummary]) -> Bool {
        let wanted = Set(issuerNames.map { $0.lowercased() })
        return chain.contains { wanted.contains($0.issuer.lowercased()) || wanted.contains($0.subject.lowercased()) }
    }

    /// Same, with the acceptable-CA list as sent (DER Names), compared by X.509 rules.
    public static func chainMentions(issuerNamesDER: [[UInt8]], chain: [CertificateSummary]) -> Bool {
        let names = issuerNamesDER.compactMap(ParsedName.init(der:))
        defer { OpenSSLErrors.clear() }
        return chain.contains { cert in
            [cert.issuerDER, cert.subjectDER].contains { own in
                guard let mine = ParsedName(der: own) else { return false }
                return names.contains { X509_NAME_cmp($0.ref, mine.ref) == 0 }
            }
        }
    }
}

/// Owns one `X509_NAME *` decoded from DER.
final class ParsedName {
    let ref: OpaquePointer

    init?(der: [UInt8]) {
        guard !der.isEmpty, der.count <= 1 << 16 else { return nil }
        var consumed = 0
        let name: OpaquePointer? = der.withUnsafeBufferPointer { buf in
            var p: UnsafePointer<UInt8>? = buf.baseAddress
            let r = d2i_X509_NAME(nil, &p, buf.count)
            if let p, let base = buf.baseAddress { consumed = p - base }
            return r
        }
        guard let name else { OpenSSLErrors.clear(); return nil }
        guard consumed == der.count else { X509_NAME_free(name); return nil }
        ref = name
    }

    deinit { X509_NAME_free(ref) }
}
