import WireCore

/// One frame as libpcap hands it over. `bytes` points into libpcap's buffer and is valid only
/// during the callback that receives it: the hot path parses in place and never copies a frame.
public struct CapturedFrame {
    /// 1-based frame number within its input, as Wireshark counts.
    public var number: Int
    public var timestamp: Timestamp
    public var linkType: LinkType
    /// The captured bytes (possibly fewer than `originalLength` when the snaplen cut them).
    public var bytes: UnsafeRawBufferPointer
    public var originalLength: Int

    public var isTruncated: Bool { bytes.count < originalLength }
}

/// What a reader can say about its input, for the JSON `inputs` section.
public struct CaptureInputInfo: Sendable, Hashable {
    public enum Format: String, Sendable { case pcap, pcapng }
    public var path: String
    public var format: Format
    public var linkTypes: [LinkType]
    public var frames: Int
    public var firstTime: Timestamp?
    public var lastTime: Timestamp?
    public var snaplen: Int
    public var nanosecondResolution: Bool
    /// Set when the file ended inside a packet record or libpcap reported a read error after
    /// some packets: the frames before it were analysed.
    public var readProblem: String?

    public init(path: String, format: Format, linkTypes: [LinkType], frames: Int = 0, snaplen: Int = 0,
                nanosecondResolution: Bool = false) {
        self.path = path; self.format = format; self.linkTypes = linkTypes; self.frames = frames
        self.snaplen = snaplen; self.nanosecondResolution = nanosecondResolution
    }
}

/// One error type for the capture stage: always names the input and says what is wrong in one line.
public struct CaptureError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let notFound = Code(rawValue: "not_found")
        public static let isDirectory = Code(rawValue: "is_directory")
        public static let permissionDenied = Code(rawValue: "permission_denied")
        public static let empty = Code(rawValue: "empty")
        public static let notACapture = Code(rawValue: "not_a_capture")
        public static let truncatedHeader = Code(rawValue: "truncated_header")
        public static let unsupportedLinkType = Code(rawValue: "unsupported_link_type")
        public static let openFailed = Code(rawValue: "open_failed")
        public static let liveCaptureFailed = Code(rawValue: "live_capture_failed")
        public static let badFilter = Code(rawValue: "bad_filter")
    }

    public var code: Code
    public var path: String
    public var reason: String

    public init(_ code: Code, path: String, _ reason: String) {
        self.code = code; self.path = path; self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }

    public static func == (a: CaptureError, b: CaptureError) -> Bool { a.code == b.code }
    public func hash(into h: inout Hasher) { h.combine(code) }
}
