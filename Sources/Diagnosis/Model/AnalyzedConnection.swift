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
///
/// The connection and its chains sit behind one reference and are read in place. An analysed connection is
/// copied where the compiler moves it into and out of the rules' context (three times a connection), and a
/// copy of the plain struct retained every array inside the connection: ~55 retains and as many releases,
/// ~7.5 K instructions a connection (150 M on the 20,000-connection bench). Now a copy is one retain. They are
/// written once, by the analysis; a writer (redaction, tests) replaces the box, so values stay values.
public struct AnalyzedConnection: Sendable {
    // Inlinable, so that a reader in another module sees a `let` of a class and borrows it in place: through an
    // opaque accessor, `let c = ac.connection` copied the whole connection (measured: +8 K instructions in JSON).
    @usableFromInline final class Parts: Sendable {
        @usableFromInline let connection: Connection
        @usableFromInline let serverChain: ChainReport?
        @usableFromInline let clientChain: ChainReport?
        @usableFromInline init(_ connection: consuming Connection, _ serverChain: consuming ChainReport?, _ clientChain: consuming ChainReport?) {
            self.connection = connection; self.serverChain = serverChain; self.clientChain = clientChain
        }
    }
    @usableFromInline var parts: Parts

    public var connection: Connection {
        @inlinable _read { yield parts.connection }
        set { parts = Parts(newValue, parts.serverChain, parts.clientChain) }
    }
    public var serverChain: ChainReport? {
        @inlinable _read { yield parts.serverChain }
        set { parts = Parts(parts.connection, newValue, parts.clientChain) }
    }
    public var clientChain: ChainReport? {
        @inlinable _read { yield parts.clientChain }
        set { parts = Parts(parts.connection, parts.serverChain, newValue) }
    }
    /// Name of the vendor profile that applies, when one does.
    public var profile: String?
    public var findings: [Finding]

    public init(connection: consuming Connection, serverChain: consuming ChainReport? = nil, clientChain: consuming ChainReport? = nil,
                profile: String? = nil, findings: [Finding] = []) {
        self.parts = Parts(connection, serverChain, clientChain)
        self.profile = profile; self.findings = findings
    }

    /// The finding that explains the outcome (first), if any.
    public var rootCause: Finding? { findings.first }
    /// The worst severity among the findings (a loop: `findings.map(\.severity).max()` built an array per
    /// connection, ~490 instructions).
    public var highestSeverity: Severity? {
        var worst: Severity?
        for i in findings.indices {
            let s = findings[i].severity
            if worst.map({ s > $0 }) ?? true { worst = s }
        }
        return worst
    }
}
