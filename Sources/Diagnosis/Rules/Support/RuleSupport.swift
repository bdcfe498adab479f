import WireCore
import TLSWire
import Connections
import X509Inspect

/// Plain-language pieces every rule uses, so the wording is consistent across the catalogue.
extension RuleContext {
    /// `connection.outcome.isFailure` without the array that getter builds per call (asked for every connection).
    /// Tests hold it to `isFailure` for every outcome.
    var failed: Bool { Self.failed(connection.outcome) }

    static func failed(_ o: Outcome) -> Bool {
        !(o == .established || o == .noData || o == .handshakeNotCaptured || o == .incomplete)
    }

    /// "the device (10.0.0.20, 00:22:ee:09:00:45)"
    var device: String {
        let mac = connection.clientMAC.flatMap { $0.isZero ? nil : ", \($0)" } ?? ""
        return "the device (TLS client \(connection.client.ip)\(mac))"
    }

    /// "the server 10.0.0.5:5061 (sip.example.com)"
    var server: String {
        let name = tls.serverName.map { " (\($0))" } ?? ""
        return "the server \(connection.server)\(name)"
    }

    /// What the connection is for, guessed from the port: for sentences like "SIP over TLS failed".
    var service: String { Self.service(port: connection.server.port) }

    static func service(port: UInt16) -> String {
        switch port {
        case 5061: return "SIP over TLS"
        case 443, 8443: return "HTTPS"
        case 5060: return "SIP"
        case 80, 8080: return "HTTP"
        case 993: return "IMAPS"
        case 465, 587, 25: return "SMTP"
        case 636: return "LDAPS"
        default: return "TLS"
        }
    }

    /// The alert that ended the handshake (first fatal or encrypted alert before it completed).
    var handshakeAlert: AlertRecord? {
        tls.alerts.first { $0.duringHandshake && ($0.level == .fatal || $0.encrypted) }
    }

    func handshakeAlert(from side: Side) -> AlertRecord? {
        handshakeAlert.flatMap { $0.sender == side ? $0 : nil }
    }

    /// The handshake problem a capture gap could have hidden.
    var captureIsPartial: Bool {
        !connection.tcp.gaps.isEmpty || !connection.tcp.sawClientPackets || !connection.tcp.sawServerPackets
    }

    var serverIssues: [ChainIssue] { analyzed.serverChain?.verdict.issues ?? [] }
    var clientIssues: [ChainIssue] { analyzed.clientChain?.verdict.issues ?? [] }
    func serverIssue(_ k: ChainIssue.Kind) -> ChainIssue? { serverIssues.first { $0.kind == k } }
    func clientIssue(_ k: ChainIssue.Kind) -> ChainIssue? { clientIssues.first { $0.kind == k } }
    /// `serverIssue(k) != nil`, read in place (rules ask before they build anything).
    func hasServerIssue(_ k: ChainIssue.Kind) -> Bool {
        analyzed.serverChain?.verdict.issues.contains { $0.kind == k } ?? false
    }
    func hasClientIssue(_ k: ChainIssue.Kind) -> Bool {
        analyzed.clientChain?.verdict.issues.contains { $0.kind == k } ?? false
    }

    /// The client rejected the server's certificate: a certificate alert from the client after the
    /// server's Certificate (TLS ≤ 1.2), or after the ServerHello when TLS 1.3 encrypts the certificate.
    var clientCertificateAlert: AlertRecord? {
        guard let a = handshakeAlert(from: .client), let d = a.description,
              AlertSemantics.certificateAlerts.contains(d) else { return nil }
        if let cert = tls.serverCertificate, a.frame >= cert.frame { return a }
        if tls.isTLS13, let sh = tls.serverHello, a.frame >= sh.frame { return a }
        // One-sided capture: the server's flight is not in the file, but the client's verdict is.
        if !connection.tcp.sawServerPackets, tls.clientHello.map({ a.frame > $0.frame }) ?? true { return a }
        return nil
    }

    /// The server rejected the client's certificate: a certificate alert from the server after a
    /// non-empty client Certificate.
    var serverCertificateAlert: AlertRecord? {
        guard let a = handshakeAlert(from: .server), let cc = tls.clientCertificate, !cc.value.isEmpty,
              a.frame >= cc.frame, let d = a.description, AlertSemantics.certificateAlerts.contains(d) || d == .handshakeFailure
        else { return nil }
        return a
    }

    func alertEvidence(_ a: AlertRecord) -> Evidence {
        Evidence("alert", AlertSemantics.describe(a), frame: a.frame)
    }

    /// The issuer a peer must trust for this chain: the top certificate's issuer.
    func issuerToTrust(_ chain: ChainReport?) -> String? {
        if let i = chain?.verdict.issues.first(where: { $0.missingIssuer != nil })?.missingIssuer { return i }
        guard let certs = chain?.certificates.compactMap(\.summary), let top = certs.last else { return nil }
        return top.isSelfSigned ? top.subject : top.issuer
    }

    func chainEvidence(_ chain: ChainReport?, label: String) -> [Evidence] {
        guard let chain else { return [] }
        var out: [Evidence] = []
        for (i, c) in chain.certificates.enumerated() {
            if let s = c.summary {
                out.append(Evidence("\(label) [\(i)]", "\(s.subject) — issued by \(s.issuer), valid \(s.notBefore.rfc3339Seconds) to \(s.notAfter.rfc3339Seconds)", frame: chain.frame))
            } else {
                out.append(Evidence("\(label) [\(i)]", "undecodable certificate (\(c.der.count) bytes): \(c.decodeError ?? "")", frame: chain.frame))
            }
        }
        out.append(Evidence("verdict", "\(chain.verdict.status.rawValue) against \(chain.verdict.storeLabel ?? "no trust store")" +
                            (chain.verdict.opensslErrorText.map { " (OpenSSL: \($0))" } ?? "")))
        return out
    }

    /// Frames of the hello exchange, for evidence lists.
    var helloFrames: [Int] {
        [tls.clientHello?.frame, tls.serverHello?.frame].compactMap { $0 }
    }

    var storeDescription: String {
        trust.clientTrustExplicit ? "the trust store you named (\(trust.clientTrust.label))"
            : "the system trust store (\(trust.clientTrust.label)) — name the device's own with --client-trust"
    }
}

/// What alerts mean, and who usually sends them for what.
public enum AlertSemantics {
    /// Alerts that mean "I do not accept your certificate".
    public static let certificateAlerts: Set<AlertDescription> = [
        .badCertificate, .unsupportedCertificate, .certificateRevoked, .certificateExpired, .certificateUnknown, .unknownCA,
        .accessDenied, .decryptError, .certificateRequired, .noCertificate,
    ]

    public static func meaning(_ d: AlertDescription) -> String {
        switch d.rawValue {
        case 0: return "close_notify: the sender is closing the connection normally"
        case 10: return "unexpected_message: a message arrived that the sender did not expect at this point (a protocol bug or a middlebox)"
        case 20: return "bad_record_mac: a record failed its integrity check (corruption, a middlebox, or key mismatch)"
        case 21: return "decryption_failed: a record could not be decrypted (legacy)"
        case 22: return "record_overflow: a record was longer than allowed"
        case 30: return "decompression_failure"
        case 40: return "handshake_failure: the sender could not agree on security parameters (often no shared cipher suite, group or signature algorithm, or a required client certificate missing)"
        case 41: return "no_certificate: the client has no certificate (SSL 3.0)"
        case 42: return "bad_certificate: the certificate was corrupt, badly signed, or failed a check"
        case 43: return "unsupported_certificate: the certificate's type or key usage is not acceptable"
        case 44: return "certificate_revoked: the certificate was revoked by its issuer"
        case 45: return "certificate_expired: the certificate is expired or not yet valid by the sender's clock"
        case 46: return "certificate_unknown: the certificate was not accepted for another reason (often a host name mismatch)"
        case 47: return "illegal_parameter: a field was out of range or inconsistent"
        case 48: return "unknown_ca: the sender does not trust the issuer (CA) of the certificate it received"
        case 49: return "access_denied: the certificate was valid but access was refused by policy"
        case 50: return "decode_error: a message could not be decoded"
        case 51: return "decrypt_error: a signature or Finished check failed"
        case 60: return "export_restriction"
        case 70: return "protocol_version: the sender does not support the TLS version the peer offered or chose"
        case 71: return "insufficient_security: the peer's offer is weaker than the sender requires"
        case 80: return "internal_error: the sender failed internally (not the peer's fault)"
        case 86: return "inappropriate_fallback: the client retried with a lower version than it supports"
        case 90: return "user_canceled"
        case 100: return "no_renegotiation"
        case 109: return "missing_extension: a required extension was absent"
        case 110: return "unsupported_extension"
        case 111: return "certificate_unobtainable"
        case 112: return "unrecognized_name: the server has no certificate for the requested name (SNI)"
        case 113: return "bad_certificate_status_response"
        case 114: return "bad_certificate_hash_value"
        case 115: return "unknown_psk_identity"
        case 116: return "certificate_required: the server requires a client certificate and none was sent"
        case 120: return "no_application_protocol: no common ALPN protocol"
        case 121: return "ech_required"
        default: return "\(d)"
        }
    }

    /// "fatal unknown_ca from the client (frame 25), after Certificate from the server (frame 21)"
    public static func describe(_ a: AlertRecord) -> String {
        var s: String
        if let d = a.description {
            s = "\(a.level?.description ?? "?") \(d) from the \(a.sender.rawValue)"
        } else if a.inferred {
            s = "encrypted alert from the \(a.sender.rawValue) (inferred: a \(a.recordLength)-byte TLS 1.3 record, the size of an alert)"
        } else {
            s = "encrypted alert from the \(a.sender.rawValue) (\(a.recordLength)-byte record; its type is hidden)"
        }
        s += " (frame \(a.frame))"
        if let after = a.after { s += ", after \(after)" }
        return s
    }
}

extension Timestamp {
    /// "5 years 3 days", "2 hours" — for "expired … before the capture".
    static func humanDuration(seconds: Int64) -> String {
        let s = abs(seconds)
        let days = s / 86400
        if days >= 365 {
            let y = days / 365, d = days % 365
            return "\(y) year\(y == 1 ? "" : "s")" + (d > 0 ? " \(d) day\(d == 1 ? "" : "s")" : "")
        }
        if days >= 1 { return "\(days) day\(days == 1 ? "" : "s")" }
        let h = s / 3600
        if h >= 1 { return "\(h) hour\(h == 1 ? "" : "s")" }
        return "\(s / 60) minutes"
    }
}
