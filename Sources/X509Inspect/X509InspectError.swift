/// Why a certificate (or an encoded name) could not be decoded. One error type for the module;
/// the code is an open set with stable raw strings, equality and hashing look at the code only.
public struct X509InspectError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Zero bytes where a certificate should be.
        public static let empty = Code(rawValue: "empty")
        /// Larger than any certificate we accept (`CertificateDecoder.maximumSize`).
        public static let tooLarge = Code(rawValue: "too_large")
        /// OpenSSL rejected the DER.
        public static let malformedDER = Code(rawValue: "malformed_der")
        /// A whole certificate decoded but bytes were left over.
        public static let trailingData = Code(rawValue: "trailing_data")
        /// Decoded, but a field we need (e.g. the validity dates) is unreadable.
        public static let unreadableField = Code(rawValue: "unreadable_field")
    }

    public var code: Code
    public var reason: String
    public var file: String
    public var line: UInt

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
