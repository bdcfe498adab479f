import WireCore

/// A stable rule identifier (DESIGN.md catalogue). Scripts rely on these strings: never rename.
public struct RuleID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }
    public static func < (a: RuleID, b: RuleID) -> Bool { a.rawValue < b.rawValue }

    // Capture quality
    public static let captureSnaplenTruncated = RuleID("CAPTURE-SNAPLEN-TRUNCATED")
    public static let captureGap = RuleID("CAPTURE-GAP")
    public static let captureOneSided = RuleID("CAPTURE-ONE-SIDED")
    public static let captureMidstream = RuleID("CAPTURE-MIDSTREAM")
    public static let captureNoTLS = RuleID("CAPTURE-NO-TLS")
    // Transport and protocol mismatch
    public static let tcpNoAnswer = RuleID("TCP-NO-ANSWER")
    public static let tcpRefused = RuleID("TCP-REFUSED")
    public static let tcpResetAfterHello = RuleID("TCP-RESET-AFTER-HELLO")
    public static let plaintextOnTLSPort = RuleID("PLAINTEXT-ON-TLS-PORT")
    public static let tlsOnPlaintextPort = RuleID("TLS-ON-PLAINTEXT-PORT")
    // Versions and ciphers
    public static let versionBelow12 = RuleID("VERSION-BELOW-1.2")
    public static let versionRejected = RuleID("VERSION-REJECTED")
    public static let legacyHello = RuleID("LEGACY-HELLO")
    public static let noSharedCipher = RuleID("NO-SHARED-CIPHER")
    public static let weakCipher = RuleID("WEAK-CIPHER")
    // Server certificate
    public static let serverCertRejected = RuleID("SERVER-CERT-REJECTED")
    public static let chainIncomplete = RuleID("CHAIN-INCOMPLETE")
    public static let chainUntrusted = RuleID("CHAIN-UNTRUSTED")
    public static let certSelfSigned = RuleID("CERT-SELF-SIGNED")
    public static let certExpired = RuleID("CERT-EXPIRED")
    public static let certNotYetValid = RuleID("CERT-NOT-YET-VALID")
    public static let clientClockWrong = RuleID("CLIENT-CLOCK-WRONG")
    public static let hostnameMismatch = RuleID("HOSTNAME-MISMATCH")
    public static let weakKey = RuleID("WEAK-KEY")
    public static let weakSignature = RuleID("WEAK-SIGNATURE")
    public static let wrongKeyUsage = RuleID("WRONG-KEY-USAGE")
    // Client certificate
    public static let clientCertMissing = RuleID("CLIENT-CERT-MISSING")
    public static let clientCertRejected = RuleID("CLIENT-CERT-REJECTED")
    public static let clientCertCANotAccepted = RuleID("CLIENT-CERT-CA-NOT-ACCEPTED")
    public static let deviceCertMACMismatch = RuleID("DEVICE-CERT-MAC-MISMATCH")
    // Alerts
    public static let fatalAlert = RuleID("FATAL-ALERT")
    public static let tls13ClientAbort = RuleID("TLS13-CLIENT-ABORT")
    // Success
    public static let handshakeOK = RuleID("HANDSHAKE-OK")
    // Added beyond DESIGN.md's list: a failure the capture cannot explain, said as such.
    public static let handshakeUndecided = RuleID("HANDSHAKE-UNDECIDED")
}

public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case info, warning, error
    var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

public enum Confidence: String, Sendable, Hashable, Comparable {
    case low, medium, high
    var rank: Int { self == .low ? 0 : self == .medium ? 1 : 2 }
    public static func < (a: Confidence, b: Confidence) -> Bool { a.rank < b.rank }
    /// One step less sure (capture-quality problems touch the evidence).
    public var lowered: Confidence { self == .high ? .medium : .low }
}

/// One labelled fact that supports a finding, e.g. ("alert", "fatal unknown_ca from the client, frame 25").
public struct Evidence: Sendable, Hashable {
    public var label: String
    public var value: String
    public var frame: Int?
    public init(_ label: String, _ value: String, frame: Int? = nil) {
        self.label = label; self.value = value; self.frame = frame
    }
}

/// What a rule concluded about one connection.
public struct Finding: Sendable, Hashable {
    public var rule: RuleID
    public var severity: Severity
    public var confidence: Confidence
    public var title: String
    /// Plain language, naming the side at fault and the point of the handshake.
    public var explanation: String
    public var remediation: String
    /// Frame numbers that prove it.
    public var frames: [Int]
    public var evidence: [Evidence]
    /// The side that must change something ("client" = the device), when one does.
    public var sideAtFault: Side?
    /// Set on consequences: the root-cause rule this finding follows from.
    public var followsFrom: RuleID?
    /// Why the confidence was lowered, when it was.
    public var confidenceNote: String?

    public init(rule: RuleID, severity: Severity, confidence: Confidence, title: String, explanation: String,
                remediation: String, frames: [Int], evidence: [Evidence] = [], sideAtFault: Side? = nil) {
        self.rule = rule; self.severity = severity; self.confidence = confidence; self.title = title
        self.explanation = explanation; self.remediation = remediation
        self.frames = Self.sortedUnique(frames); self.evidence = evidence; self.sideAtFault = sideAtFault
    }

    /// Frames in order, each once (a handful per finding: sorting in place beats hashing into a Set).
    /// Rules mostly list frames already in order: those are kept as given, without a copy to sort.
    static func sortedUnique(_ frames: [Int]) -> [Int] {
        var ascending = true
        var i = 1
        while i < frames.count {
            if frames[i - 1] >= frames[i] { ascending = false; break }
            i += 1
        }
        if ascending { return frames }
        var out = frames
        out.sort()
        var kept = 0
        for f in out where kept == 0 || out[kept - 1] != f {
            out[kept] = f
            kept += 1
        }
        out.removeLast(out.count - kept)
        return out
    }
}
