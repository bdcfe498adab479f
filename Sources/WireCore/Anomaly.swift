/// Something odd about the input that did not stop the analysis: truncated bytes, a TCP gap,
/// a length field that contradicts its container, a limit that was hit. Anomalies are data
/// (like Zeek's "weirds"), attached to the connection or input they concern, never a crash.
public struct Anomaly: Sendable, Hashable {
    /// Open set of anomaly kinds; the raw value is stable and appears in JSON.
    public struct Kind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let snaplenTruncated = Kind(rawValue: "snaplen_truncated")
        public static let malformedLinkLayer = Kind(rawValue: "malformed_link_layer")
        public static let malformedIP = Kind(rawValue: "malformed_ip")
        public static let ipFragment = Kind(rawValue: "ip_fragment")
        public static let malformedTCP = Kind(rawValue: "malformed_tcp")
        public static let tcpGap = Kind(rawValue: "tcp_gap")
        public static let tcpOverlapConflict = Kind(rawValue: "tcp_overlap_conflict")
        public static let reassemblyLimit = Kind(rawValue: "reassembly_limit")
        public static let connectionLimit = Kind(rawValue: "connection_limit")
        public static let malformedRecord = Kind(rawValue: "malformed_record")
        public static let malformedHandshake = Kind(rawValue: "malformed_handshake")
        public static let recordResync = Kind(rawValue: "record_resync")
        public static let transcriptLimit = Kind(rawValue: "transcript_limit")
        public static let unparsableCertificate = Kind(rawValue: "unparsable_certificate")
    }

    public var kind: Kind
    /// Frame number (1-based, as Wireshark counts) where it was seen, if one applies.
    public var frame: Int?
    public var detail: String

    public init(_ kind: Kind, frame: Int? = nil, _ detail: String) {
        self.kind = kind
        self.frame = frame
        self.detail = detail
    }
}

/// Which end of a TCP connection sent something. The client is the side that sent the SYN,
/// or, without a SYN, the side that sent the ClientHello, or failing both the higher port.
public enum Side: String, Sendable, Hashable, CaseIterable {
    case client
    case server

    public var other: Side { self == .client ? .server : .client }
}
