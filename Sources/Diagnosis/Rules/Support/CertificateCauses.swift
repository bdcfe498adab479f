import WireCore
import TLSWire
import Connections
import X509Inspect

/// Which certificate problem explains a rejection. The alert narrows it down (certificate_expired
/// points at validity, unknown_ca at trust, unsupported_certificate at key usage); the chain
/// verdict says which problem is really there.
extension RuleContext {
    /// Problems of the server's chain that rules report, in the order they explain an alert. The kinds of the
    /// chain's issues are read in one pass (asking for each kind in turn walked the list nine times).
    /// Tests hold it to the kind-by-kind version.
    func serverProblems() -> [RuleID] {
        guard let chain = analyzed.serverChain else { return [] }
        var kinds = ServerIssueKinds()
        for issue in chain.verdict.issues { kinds.insert(issue.kind) }
        var out: [RuleID] = []
        if kinds.expired { out.append(.certExpired) }
        if kinds.notYetValid { out.append(.certNotYetValid) }
        // An incomplete chain is a missing intermediate, or else a missing root (see `missingIntermediate`).
        let intermediateMissing = kinds.incompleteChain && missingIntermediate != nil
        if intermediateMissing { out.append(.chainIncomplete) }
        if kinds.selfSignedLeaf { out.append(.certSelfSigned) }
        if kinds.missingServerAuthEKU || kinds.invalidPurpose { out.append(.wrongKeyUsage) }
        if chain.hostnameMatches == false { out.append(.hostnameMismatch) }
        if trust.clientTrustExplicit && (kinds.untrustedRoot || (kinds.incompleteChain && !intermediateMissing)) { out.append(.chainUntrusted) }
        if kinds.weakKey { out.append(.weakKey) }
        if kinds.weakSignature { out.append(.weakSignature) }
        return out
    }

    /// An incomplete-chain issue that really is a missing intermediate. When the certificate whose
    /// issuer is missing is itself a CA, the missing piece is the root, which servers never send:
    /// that is an untrusted root, not an incomplete chain.
    var missingIntermediate: ChainIssue? {
        guard let issue = serverIssue(.incompleteChain), let chain = analyzed.serverChain else { return nil }
        let idx = issue.certificateIndex ?? 0
        let cert = idx < chain.certificates.count ? chain.certificates[idx].summary : nil
        return cert?.isCA == true ? nil : issue
    }

    /// The incomplete-chain issue that is only a root the store lacks (see `missingIntermediate`).
    var missingRoot: ChainIssue? {
        guard let issue = serverIssue(.incompleteChain), missingIntermediate == nil else { return nil }
        return issue
    }

    /// The rule that explains the client's rejection of the server certificate, if the capture shows one.
    var serverRejectionCause: RuleID? {
        guard let a = clientCertificateAlert, let d = a.description else {
            // TLS 1.3 without keys: the certificate is encrypted; an encrypted abort cannot be pinned on it.
            return nil
        }
        let problems = serverProblems()
        let preferred: [RuleID]
        switch d {
        case .certificateExpired:
            if problems.contains(.certExpired) { return .certExpired }
            if problems.contains(.certNotYetValid) { return .certNotYetValid }
            // Valid at capture time, yet the client calls it expired: the client's clock.
            return analyzed.serverChain != nil ? .clientClockWrong : nil
        case .unknownCA:
            preferred = [.chainIncomplete, .certSelfSigned, .chainUntrusted]
        case .unsupportedCertificate:
            preferred = [.wrongKeyUsage, .weakKey, .weakSignature]
        case .badCertificate, .certificateUnknown:
            // OpenSSL sends bad_certificate for a host name mismatch and for a not-yet-valid certificate.
            preferred = [.certNotYetValid, .certExpired, .hostnameMismatch, .wrongKeyUsage, .weakKey, .weakSignature, .certSelfSigned, .chainIncomplete, .chainUntrusted]
        default:
            preferred = [.chainIncomplete, .certSelfSigned, .hostnameMismatch, .wrongKeyUsage, .chainUntrusted]
        }
        return preferred.first { problems.contains($0) }
    }

    /// Severity for a server-chain problem: an error when it explains the failure, else a warning
    /// (the device accepted it, so it probably does not validate — a risk, not the failure).
    func serverProblemSeverity(_ rule: RuleID) -> (Severity, RuleID?) {
        if serverRejectionCause == rule { return (.error, nil) }
        if connection.established { return (.warning, nil) }
        if clientCertificateAlert != nil { return (.warning, .serverCertRejected) }
        return (failed && handshakeAlert == nil ? .warning : .warning, nil)
    }

    /// "the device accepted it anyway" sentence for established connections with a bad certificate.
    var acceptedAnywayNote: String {
        connection.established
            ? " The device accepted it anyway: it probably does not validate the server certificate (for SIP and provisioning, 'Validate Server Certificate' may be disabled), which leaves the connection open to impersonation."
            : ""
    }
}
