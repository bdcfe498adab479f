import COpenSSL
import CTLSShims
import WireCore

/// One entry of a certificate's subjectAltName extension.
public enum SubjectAltName: Sendable, Hashable, CustomStringConvertible {
    case dns(String)
    /// Textual address: dotted IPv4, or RFC 5952 IPv6 (`2001:db8::1`).
    case ip(String)
    case uri(String)
    case email(String)
    /// Any other name form, rendered as `DirName:CN=…`, `othername:1.3.6…`, `RID:1.2.3`, ….
    case other(String)

    public var description: String {
        switch self {
        case .dns(let v): "DNS:\(v)"
        case .ip(let v): "IP:\(v)"
        case .uri(let v): "URI:\(v)"
        case .email(let v): "email:\(v)"
        case .other(let v): v
        }
    }
}

/// Everything the diagnosis needs to know about one certificate, decoded once by OpenSSL.
/// Keeps the DER it came from (for evidence, export and re-verification).
public struct CertificateSummary: Sendable, Hashable {
    public var der: [UInt8]
    /// Fingerprints of `der`: lowercase hex, no separators.
    public var sha256: String
    public var sha1: String
    /// RFC 4514 (OpenSSL `XN_FLAG_RFC2253`) form, most specific first: `CN=sip.example.com,O=Example`.
    /// Non-ASCII characters are kept as UTF-8 rather than escaped.
    public var subject: String
    public var issuer: String
    /// DER of the subject / issuer Name exactly as encoded in the certificate (what a
    /// CertificateRequest's certificate_authorities list would carry).
    public var subjectDER: [UInt8]
    public var issuerDER: [UInt8]
    public var subjectCommonName: String?
    public var issuerCommonName: String?
    /// Serial number as lowercase hex of its content bytes (as `openssl x509 -serial` prints it), e.g. "1000";
    /// a negative serial gets a leading "-".
    public var serial: String
    public var notBefore: Timestamp
    public var notAfter: Timestamp
    public var subjectAltNames: [SubjectAltName]
    /// "RSA", "EC", "Ed25519", "Ed448", "DSA", or OpenSSL's short name of the key type.
    public var keyType: String
    public var keyBits: Int
    /// Curve name for EC keys: "prime256v1", "secp384r1", ….
    public var curve: String?
    /// OpenSSL's long name of the signature algorithm, e.g. "sha256WithRSAEncryption"; the dotted OID when unknown.
    public var signatureAlgorithm: String
    /// Digest of the signature: "SHA1", "SHA256", "MD5", …; nil when none applies (Ed25519) or unknown.
    public var signatureHash: String?
    /// basicConstraints cA = TRUE.
    public var isCA: Bool
    public var pathLength: Int?
    /// Names of the keyUsage bits set ("digitalSignature", "keyEncipherment", "keyCertSign", …); empty when absent.
    public var keyUsage: [String]
    /// "serverAuth", "clientAuth", … (OpenSSL short names); other OIDs dotted. Empty when the extension is absent.
    public var extendedKeyUsage: [String]
    /// Lowercase hex, no separators.
    public var subjectKeyIdentifier: String?
    /// keyIdentifier of the authorityKeyIdentifier extension, lowercase hex.
    public var authorityKeyIdentifier: String?
    /// Subject and issuer names are equal.
    public var isSelfIssued: Bool
    /// Self-issued and the signature verifies with the certificate's own key.
    public var isSelfSigned: Bool
    /// 1, 2 or 3.
    public var version: Int

    public init(der: [UInt8] = [], sha256: String = "", sha1: String = "", subject: String = "", issuer: String = "",
                subjectDER: [UInt8] = [], issuerDER: [UInt8] = [],
                subjectCommonName: String? = nil, issuerCommonName: String? = nil, serial: String = "",
                notBefore: Timestamp = Timestamp(seconds: 0, nanoseconds: 0),
                notAfter: Timestamp = Timestamp(seconds: 0, nanoseconds: 0),
                subjectAltNames: [SubjectAltName] = [], keyType: String = "RSA", keyBits: Int = 2048, curve: String? = nil,
                signatureAlgorithm: String = "sha256WithRSAEncryption", signatureHash: String? = "SHA256",
                isCA: Bool = false, pathLength: Int? = nil, keyUsage: [String] = [], extendedKeyUsage: [String] = [],
                subjectKeyIdentifier: String? = nil, authorityKeyIdentifier: String? = nil,
                isSelfIssued: Bool = false, isSelfSigned: Bool = false, version: Int = 3) {
        self.der = der; self.sha256 = sha256; self.sha1 = sha1; self.subject = subject; self.issuer = issuer
        self.subjectDER = subjectDER; self.issuerDER = issuerDER
        self.subjectCommonName = subjectCommonName; self.issuerCommonName = issuerCommonName; self.serial = serial
        self.notBefore = notBefore; self.notAfter = notAfter; self.subjectAltNames = subjectAltNames
        self.keyType = keyType; self.keyBits = keyBits; self.curve = curve
        self.signatureAlgorithm = signatureAlgorithm; self.signatureHash = signatureHash
        self.isCA = isCA; self.pathLength = pathLength; self.keyUsage = keyUsage; self.extendedKeyUsage = extendedKeyUsage
        self.subjectKeyIdentifier = subjectKeyIdentifier; self.authorityKeyIdentifier = authorityKeyIdentifier
        self.isSelfIssued = isSelfIssued; self.isSelfSigned = isSelfSigned; self.version = version
    }

    /// DNS names from the SAN extension.
    public var dnsNames: [String] {
        subjectAltNames.compactMap { if case .dns(let n) = $0 { n } else { nil } }
    }

    /// Whether the certificate is within its validity window at `time` (both ends inclusive, as OpenSSL checks).
    public func isValid(at time: Timestamp) -> Bool {
        time.seconds >= notBefore.seconds && time.seconds <= notAfter.seconds
    }
}

public enum CertificateDecoder {
    /// No certificate in a TLS Certificate message may exceed the 2^24-1 byte handshake length, and real
    /// ones are a few kilobytes; anything above this is refused without asking OpenSSL.
    public static let maximumSize = 1 << 20

    /// Decodes DER; never traps; malformed DER -> throws X509InspectError with reason (caller keeps bytes).
    public static func decode(der: [UInt8]) throws(X509InspectError) -> CertificateSummary {
        let cert = try OpenSSLCertificate.parse(der: der)
        return try summarize(cert, der: der)
    }

    static func summarize(_ cert: OpenSSLCertificate, der: [UInt8]) throws(X509InspectError) -> CertificateSummary {
        let x = cert.ref
        defer { OpenSSLErrors.clear() }

        guard let nbT = X509_get0_notBefore(x), let naT = X509_get0_notAfter(x),
              let notBefore = OpenSSLText.timestamp(nbT), let notAfter = OpenSSLText.timestamp(naT) else {
            throw X509InspectError(.unreadableField, "the validity dates cannot be read")
        }
        guard let subjectName = X509_get_subject_name(x), let issuerName = X509_get_issuer_name(x) else {
            throw X509InspectError(.unreadableField, "the subject or issuer name cannot be read")
        }

        var s = CertificateSummary()
        s.der = der
        s.sha256 = Digest.sha256(der)
        s.sha1 = Digest.sha1(der)
        s.subject = OpenSSLText.rfc4514(name: subjectName)
        s.issuer = OpenSSLText.rfc4514(name: issuerName)
        s.subjectDER = nameDER(subjectName)
        s.issuerDER = nameDER(issuerName)
        s.subjectCommonName = OpenSSLText.lastEntry(of: subjectName, nid: NID_commonName)
        s.issuerCommonName = OpenSSLText.lastEntry(of: issuerName, nid: NID_commonName)
        s.serial = serial(x)
        s.notBefore = notBefore
        s.notAfter = notAfter
        s.subjectAltNames = subjectAltNames(x)
        (s.keyType, s.keyBits, s.curve) = key(x)
        (s.signatureAlgorithm, s.signatureHash) = signature(x)

        let flags = X509_get_extension_flags(x)
        s.isCA = flags & UInt32(EXFLAG_BCONS) != 0 && flags & UInt32(EXFLAG_CA) != 0
        let pathlen = X509_get_pathlen(x)
        s.pathLength = s.isCA && pathlen >= 0 ? Int(pathlen) : nil
        s.keyUsage = flags & UInt32(EXFLAG_KUSAGE) != 0 ? keyUsageNames(X509_get_key_usage(x)) : []
        s.extendedKeyUsage = extendedKeyUsage(x)
        s.subjectKeyIdentifier = X509_get0_subject_key_id(x).map { Hex.encode(OpenSSLText.bytes(asn1String: $0)) }
        s.authorityKeyIdentifier = X509_get0_authority_key_id(x).map { Hex.encode(OpenSSLText.bytes(asn1String: $0)) }
        s.isSelfIssued = X509_NAME_cmp(subjectName, issuerName) == 0
        if s.isSelfIssued, let pkey = X509_get0_pubkey(x) {
            s.isSelfSigned = X509_verify(x, pkey) == 1
        }
        s.version = Int(X509_get_version(x)) + 1
        return s
    }

    private static func nameDER(_ name: OpaquePointer) -> [UInt8] {
        var p: UnsafePointer<UInt8>?
        var len = 0
        guard X509_NAME_get0_der(name, &p, &len) == 1, let p, len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: len))
    }

    private static func serial(_ x: OpaquePointer) -> String {
        guard let integer = X509_get0_serialNumber(x) else { return "" }
        let hex = Hex.encode(OpenSSLText.bytes(asn1String: integer))
        let negative = ASN1_STRING_type(integer) == V_ASN1_NEG_INTEGER
        return (negative ? "-" : "") + (hex.isEmpty ? "00" : hex)
    }

    private static func subjectAltNames(_ x: OpaquePointer) -> [SubjectAltName] {
        guard let raw = X509_get_ext_d2i(x, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var out: [SubjectAltName] = []
        let count = ctls_sk_GENERAL_NAME_num(names)
        guard count > 0 else { return [] }
        for i in 0..<count {
            guard let gen = ctls_sk_GENERAL_NAME_value(names, i) else { continue }
            var type: Int32 = -1
            guard let value = GENERAL_NAME_get0_value(gen, &type) else { continue }
            let string = UnsafeRawPointer(value).assumingMemoryBound(to: ASN1_STRING.self)
            switch type {
            case GEN_DNS: out.append(.dns(ia5(string)))
            case GEN_URI: out.append(.uri(ia5(string)))
            case GEN_EMAIL: out.append(.email(ia5(string)))
            case GEN_IPADD: out.append(.ip(IPText.format(OpenSSLText.bytes(asn1String: string))))
            case GEN_DIRNAME: out.append(.other("DirName:" + OpenSSLText.rfc4514(name: OpaquePointer(value))))
            case GEN_RID: out.append(.other("RID:" + OpenSSLText.object(OpaquePointer(value), numeric: true)))
            case GEN_OTHERNAME:
                var oid: OpaquePointer?
                if GENERAL_NAME_get0_otherName(gen, &oid, nil) == 1, let oid {
                    out.append(.other("othername:" + OpenSSLText.object(oid, numeric: true)))
                } else {
                    out.append(.other("othername"))
                }
            case GEN_X400: out.append(.other("X400Name"))
            case GEN_EDIPARTY: out.append(.other("EdiPartyName"))
            default: out.append(.other("GeneralName type \(type)"))
            }
        }
        return out
    }

    /// IA5String content as-is (bytes that are not UTF-8 become U+FFFD).
    private static func ia5(_ s: UnsafePointer<ASN1_STRING>) -> String {
        String(decoding: OpenSSLText.bytes(asn1String: s), as: UTF8.self)
    }

    private static func key(_ x: OpaquePointer) -> (String, Int, String?) {
        guard let pkey = X509_get0_pubkey(x) else { return ("unknown", 0, nil) }
        let id = EVP_PKEY_get_base_id(pkey)
        let bits = Int(EVP_PKEY_get_bits(pkey))
        switch id {
        case EVP_PKEY_RSA: return ("RSA", bits, nil)
        case EVP_PKEY_DSA: return ("DSA", bits, nil)
        case EVP_PKEY_ED25519: return ("Ed25519", bits, nil)
        case EVP_PKEY_ED448: return ("Ed448", bits, nil)
        case EVP_PKEY_EC:
            var buf = [CChar](repeating: 0, count: 80)
            var len = 0
            let curve: String? = EVP_PKEY_get_group_name(pkey, &buf, buf.count, &len) == 1
                ? buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : nil   // NUL-terminated on success
            return ("EC", bits, curve)
        default:
            return (OpenSSLText.shortName(nid: id) ?? "unknown", bits, nil)
        }
    }

    private static func signature(_ x: OpaquePointer) -> (String, String?) {
        let nid = X509_get_signature_nid(x)
        var name = OpenSSLText.longName(nid: nid)
        if name == nil {
            var alg: UnsafePointer<X509_ALGOR>?
            X509_get0_signature(nil, &alg, x)
            var obj: OpaquePointer?
            if let alg {
                X509_ALGOR_get0(&obj, nil, nil, alg)
                if let obj { name = OpenSSLText.object(obj, numeric: true) }
            }
        }
        var mdnid: Int32 = NID_undef
        var pknid: Int32 = NID_undef
        if X509_get_signature_info(x, &mdnid, &pknid, nil, nil) != 1 {
            _ = OBJ_find_sigid_algs(nid, &mdnid, &pknid)
        }
        return (name ?? "unknown", mdnid == NID_undef ? nil : OpenSSLText.shortName(nid: mdnid))
    }

    private static let keyUsageBits: [(UInt32, String)] = [
        (UInt32(KU_DIGITAL_SIGNATURE), "digitalSignature"), (UInt32(KU_NON_REPUDIATION), "nonRepudiation"),
        (UInt32(KU_KEY_ENCIPHERMENT), "keyEncipherment"), (UInt32(KU_DATA_ENCIPHERMENT), "dataEncipherment"),
        (UInt32(KU_KEY_AGREEMENT), "keyAgreement"), (UInt32(KU_KEY_CERT_SIGN), "keyCertSign"),
        (UInt32(KU_CRL_SIGN), "cRLSign"), (UInt32(KU_ENCIPHER_ONLY), "encipherOnly"),
        (UInt32(KU_DECIPHER_ONLY), "decipherOnly"),
    ]

    private static func keyUsageNames(_ bits: UInt32) -> [String] {
        keyUsageBits.filter { bits & $0.0 != 0 }.map(\.1)
    }

    private static func extendedKeyUsage(_ x: OpaquePointer) -> [String] {
        guard let raw = X509_get_ext_d2i(x, NID_ext_key_usage, nil, nil) else { return [] }
        let stack = OpaquePointer(raw)
        defer { EXTENDED_KEY_USAGE_free(stack) }
        var out: [String] = []
        let count = ctls_sk_ASN1_OBJECT_num(stack)
        guard count > 0 else { return [] }
        for i in 0..<count {
            guard let obj = ctls_sk_ASN1_OBJECT_value(stack, i) else { continue }
            let nid = OBJ_obj2nid(obj)
            out.append(OpenSSLText.shortName(nid: nid) ?? OpenSSLText.object(obj, numeric: true))
        }
        return out
    }
}

/// Text form of an iPAddress SAN.
enum IPText {
    static func format(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map { String($0) }.joined(separator: ".") }
        guard b.count == 16 else { return "invalid:" + Hex.encode(b) }
        var groups = [Int](repeating: 0, count: 8)
        for i in 0..<8 { groups[i] = Int(b[2 * i]) << 8 | Int(b[2 * i + 1]) }
        // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on ties.
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLen >= 2 else { return hex.joined(separator: ":") }
        let head = hex[0..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLen)...].joined(separator: ":")
        return head + "::" + tail
    }
}
