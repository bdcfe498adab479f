/// The one error of TLS decoding (STYLE.md principle 3): an open `Code` that callers switch on,
/// a human-readable reason naming the message and field, and where it was thrown.
/// Equality and hashing look at the code only, like swift-asn1's `ASN1Error`.
public struct TLSDecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The input ended inside a field: the message body itself is shorter than its contents say.
        public static let truncated = Code(rawValue: "truncated")
        /// A length field contradicts its container (an inner vector runs past the outer one) or the
        /// element size (an odd byte count for a list of 16-bit values).
        public static let lengthMismatch = Code(rawValue: "length_mismatch")
        /// Bytes are left over where the RFC says the structure ends.
        public static let trailingBytes = Code(rawValue: "trailing_bytes")
        /// A field holds a value the RFC forbids (wrong msg_type, session_id longer than 32 ...).
        public static let invalidValue = Code(rawValue: "invalid_value")
        /// Larger than the protocol can express (a handshake body over 2^24-1 bytes).
        public static let tooLarge = Code(rawValue: "too_large")
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

    public static func == (a: TLSDecodeError, b: TLSDecodeError) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    public var description: String { "\(code): \(reason)" }
}
