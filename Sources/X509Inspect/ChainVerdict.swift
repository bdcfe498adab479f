/// What the peer that received a chain uses it for: a TLS client checks a server's chain for serverAuth,
/// a server checks a client's chain for clientAuth.
public enum ChainPurpose: String, Sendable, Hashable {
    case serverAuth
    case clientAuth
}

/// A chain judged the way the peer that received it would, at capture time, against its trust store.
public struct ChainVerdict: Sendable, Hashable {
    public enum Status: String, Sendable {
        /// OpenSSL's X509_verify_cert accepted the chain against the store.
        case trusted
        /// It did not; `opensslError` says why first, `issues` say everything.
        case untrusted
        /// No store was given (client chains without --server-trust); issues still list what was checked.
        case notChecked
    }

    public var status: Status
    public var storeLabel: String?
    /// Empty + trusted = good.
    public var issues: [ChainIssue]
    /// As OpenSSL built it (leaf first), when it got that far; may end in a certificate from the store.
    public var builtChain: [CertificateSummary]
    /// X509_V_ERR_* of the verification (the first one OpenSSL met), if any.
    public var opensslError: Int32?
    public var opensslErrorText: String?

    public init(status: Status, storeLabel: String? = nil, issues: [ChainIssue] = [], builtChain: [CertificateSummary] = [],
                opensslError: Int32? = nil, opensslErrorText: String? = nil) {
        self.status = status
        self.storeLabel = storeLabel
        self.issues = issues
        self.builtChain = builtChain
        self.opensslError = opensslError
        self.opensslErrorText = opensslErrorText
    }

    /// Trusted with nothing to report.
    public var isGood: Bool { status == .trusted && issues.isEmpty }

    public func issues(of kind: ChainIssue.Kind) -> [ChainIssue] { issues.filter { $0.kind == kind } }
    public func has(_ kind: ChainIssue.Kind) -> Bool { issues.contains { $0.kind == kind } }
}

public struct ChainIssue: Sendable, Hashable {
    /// Open set with stable raw strings (they appear in JSON).
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The chain is complete up to a self-signed root that the store lacks (the root is named).
        public static let untrustedRoot = Kind(rawValue: "untrusted_root")
        /// A sent certificate's issuer is neither sent nor in the store (the missing issuer is named).
        public static let incompleteChain = Kind(rawValue: "incomplete_chain")
        /// The leaf signs itself and the store does not hold that very certificate.
        public static let selfSignedLeaf = Kind(rawValue: "self_signed_leaf")
        public static let expired = Kind(rawValue: "expired")
        public static let notYetValid = Kind(rawValue: "not_yet_valid")
        /// A signature in the chain does not verify with its issuer's key.
        public static let badSignature = Kind(rawValue: "bad_signature")
        /// Certificate i+1 is not the issuer of certificate i, but the issuer was sent elsewhere in the list.
        public static let outOfOrder = Kind(rawValue: "out_of_order")
        /// A sent certificate that takes no part in the leaf's chain.
        public static let unrelatedCertificate = Kind(rawValue: "unrelated_certificate")
        /// RSA/DSA below 2048 bits, EC below 256 bits.
        public static let weakKey = Kind(rawValue: "weak_key")
        /// MD5 or SHA-1 (or older) signature on a certificate that is not a self-signed root.
        public static let weakSignature = Kind(rawValue: "weak_signature")
        /// The leaf has an extendedKeyUsage extension without serverAuth (or anyExtendedKeyUsage).
        public static let missingServerAuthEKU = Kind(rawValue: "missing_server_auth_eku")
        /// The leaf has an extendedKeyUsage extension without clientAuth (or anyExtendedKeyUsage).
        public static let missingClientAuthEKU = Kind(rawValue: "missing_client_auth_eku")
        /// Spellings with "Eku", for callers who guess that way.
        public static let missingServerAuthEku = missingServerAuthEKU
        public static let missingClientAuthEku = missingClientAuthEKU
        /// A sent certificate does not decode.
        public static let unparsable = Kind(rawValue: "unparsable")
        /// The Certificate message was empty.
        public static let noCertificates = Kind(rawValue: "no_certificates")
        /// A certificate used as an issuer is not a CA (basicConstraints / keyUsage), OpenSSL error 24.
        public static let invalidCA = Kind(rawValue: "invalid_ca")
        /// An intermediate's pathLenConstraint is exceeded, OpenSSL error 25.
        public static let pathLengthExceeded = Kind(rawValue: "path_length_exceeded")
        /// OpenSSL rejected a certificate's purpose for another reason than the leaf's EKU (keyUsage, an
        /// intermediate's EKU, nsCertType), OpenSSL error 26.
        public static let invalidPurpose = Kind(rawValue: "invalid_purpose")
        /// Any other OpenSSL verification error; the detail has OpenSSL's text.
        public static let verificationError = Kind(rawValue: "verification_error")
    }

    public var kind: Kind
    /// Index into the chain AS SENT (0 = leaf); nil when the certificate came from the store.
    public var certificateIndex: Int?
    /// A human sentence: "leaf 'CN=x' expired 2021-01-01T00:00:00Z, 5 years 330 days before the capture".
    public var detail: String
    /// For incomplete_chain / untrusted_root: the issuer DN the peer would need.
    public var missingIssuer: String?
    /// AKI hex of the missing certificate (for untrusted_root: the root's SKI).
    public var missingIssuerKeyID: String?
    /// For expired / not_yet_valid: seconds between the capture time and the validity bound (positive).
    public var byHowMuchSeconds: Int64?
    /// The X509_V_ERR_* this issue corresponds to, when OpenSSL reported it.
    public var opensslError: Int32?

    public init(kind: Kind, certificateIndex: Int? = nil, detail: String, missingIssuer: String? = nil,
                missingIssuerKeyID: String? = nil, byHowMuchSeconds: Int64? = nil, opensslError: Int32? = nil) {
        self.kind = kind
        self.certificateIndex = certificateIndex
        self.detail = detail
        self.missingIssuer = missingIssuer
        self.missingIssuerKeyID = missingIssuerKeyID
        self.byHowMuchSeconds = byHowMuchSeconds
        self.opensslError = opensslError
    }
}
