/// Every rule of the catalogue, in one list, in evaluation order (the catch-all FATAL-ALERT last:
/// it reads what the others explained). To add a rule: a new type in Rules/<area>/ conforming to
/// `DiagnosisRule`, a new stable ID in Model/Finding.swift, and one line here. No parser changes.
public enum Catalogue {
    public static let all: [any DiagnosisRule] = [
        // Capture quality
        CaptureSnaplenTruncatedRule(), CaptureGapRule(), CaptureOneSidedRule(), CaptureMidstreamRule(),
        // Transport and protocol mismatch
        TCPNoAnswerRule(), TCPRefusedRule(), TCPResetAfterHelloRule(), PlaintextOnTLSPortRule(), TLSOnPlaintextPortRule(),
        // Versions and ciphers
        VersionBelow12Rule(), VersionRejectedRule(), LegacyHelloRule(), NoSharedCipherRule(), WeakCipherRule(),
        // Server certificate
        ServerCertRejectedRule(), ChainIncompleteRule(), ChainUntrustedRule(), CertSelfSignedRule(), CertExpiredRule(),
        CertNotYetValidRule(), ClientClockWrongRule(), HostnameMismatchRule(), WeakKeyRule(), WeakSignatureRule(),
        WrongKeyUsageRule(),
        // Client certificate
        ClientCertMissingRule(), ClientCertRejectedRule(), ClientCertCANotAcceptedRule(), DeviceCertMACMismatchRule(),
        // Alerts
        TLS13ClientAbortRule(), FatalAlertRule(), HandshakeUndecidedRule(),
        // Success
        HandshakeOKRule(),
    ]

    /// Rules that are not evaluated per connection but listed in the catalogue (CAPTURE-NO-TLS is per input).
    public static let inputRuleIDs: [(RuleID, Severity, String)] = [
        (.captureNoTLS, .warning, "The capture contains no TLS at all (on any port); the finding says what it does contain."),
    ]

    public static func rule(id: String) -> (any DiagnosisRule)? {
        all.first { $0.id.rawValue.lowercased() == id.lowercased() }
    }
}
