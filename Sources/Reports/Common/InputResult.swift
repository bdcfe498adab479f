import WireCore
import Capture
import Diagnosis
import Connections

/// The result of one input file.
public struct InputResult: Sendable {
    public init(path: String) { self.path = path }
    public var path: String
    public var info: CaptureInputInfo?
    public var error: CaptureError?
    public var tracker = TrackerStats()
    public var packets = PacketCounters()
    /// Findings about the input as a whole (CAPTURE-NO-TLS).
    public var findings: [Finding] = []
    public var connections = 0
    public var tlsConnections = 0
}

