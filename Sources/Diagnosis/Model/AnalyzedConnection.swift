import WireCore
import Connections
import X509Inspect

/// A certificate as sent, decoded once (or the reason it could not be).
public struct SentCertificate: Sendable {
    public var der: [UInt8]
    public var summary: CertificateSummary?
    public var decodeError: String?
    public init(der: [UInt8], summary: CertificateSummary?, decodeError: String?) {
        self.der = der; self.summary = summary; self.decodeError = decodeError
    }
}

/// A chain as one side sent it, judged the way the receiving peer would judge it.
public struct ChainReport: Sendable {
    /// Who sent the chain.
    public var sender: Side
    public var frame: Int
    public var certificates: [SentCertificate]
    public var verdict: ChainVerdict
    /// The time the chain was judged at: the connection's capture time, or `--at`.
    public var judgedAt: Timestamp
    /// Server chains: the name checked against the certificate, where it came from, and the result.
    public var hostnameChecked: String?
    public var hostnameSource: String?
    public var hostnameMatches: Bool?
    /// Client chains: a MAC address in the device certificate, and how it compares with the capture.
    public var certificateMAC: MACAddress?
    public var frameMAC: MACAddress?
    /// Client chains: whether the chain names one of the CertificateRequest's acceptable CAs (nil: list empty or absent).
    public var acceptableCAMatch: Bool?
    public var acceptableCANames: [String]

    public var leaf: CertificateSummary? { certificates.first?.summary }
}

/// A connection with its certificates analysed and its findings: what reports render.
public struct AnalyzedConnection: Sendable {
    public var connection: Connection
    public var serverChain: ChainReport?
    public var clientChain: ChainReport?
    /// Name of the vendor profile that applies, when one does.
    public var profile: String?
    public var findings: [Finding]

    public init(connection: Connection, serverChain: ChainReport? = nil, clientChain: ChainReport? = nil,
                profile: String? = nil, findings: [Finding] = []) {
        self.connection = connection; self.serverChain = serverChain; self.clientChain = clientChain
        self.profile = profile; self.findings = findings
    }

    /// The finding that explains the outcome (first), if any.
    public var rootCause: Finding? { findings.first }
    public var highestSeverity: Severity? { findings.map(\.severity).max() }
}
