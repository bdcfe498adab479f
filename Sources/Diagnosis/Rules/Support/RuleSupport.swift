import WireCore
import TLSWire
import Connections
import X509Inspect
import Packets

/// Plain-language pieces every rule uses, so the wording is consistent across the catalogue.
extension RuleContext {
    /// `connection.outcome.isFailure` without the array that getter builds per call (asked for every connection).
    /// Tests hold it to `isFailure` for every outcome.
    var failed: Bool { Self.failed(connection.outcome) }

    static func failed(_ o: Outcome) -> Bool {
        !(o == .established || o == .noData || o == .handshakeNotCaptured || o == .incomplete)
    }

    /// "the device (10.0.0.20, 00:22:ee:09:00:45)"
    var device: String { device(start: "the device (TLS client ") }
    /// "The device (…)", to start a sentence with (what `device.capitalizedFirst` gave).
    var deviceCapitalized: String { device(start: "The device (TLS client ") }

    /// Written in one piece: devices are too many to remember (most failing connections of the bench come from
    /// a device of their own), and interpolation cost ~4.5 K instructions, the capital letter ~1 K more.
    private func device(start: String) -> String {
        let ip = connection.client.ip.description
        guard let mac = connection.clientMAC, !mac.isZero else { return Text.concat([start, ip, ")"]) }
        return Text.concat([start, ip, ", ", mac.description, ")"])
    }

    /// "the server 10.0.0.5:5061 (sip.example.com)"
    var server: String { serverTexts.text }
    /// "The server …", to start a sentence with.
    var serverCapitalized: String { serverTexts.capitalized }

    /// A capture's findings name a few servers again and again: their names are remembered by the values they
    /// are made of (writing them cost ~4.3 K instructions each time, the capital letter ~1 K more).
    private var serverTexts: PartyTexts {
        PartyTexts.servers.value(for: PartyTexts.ServerKey(endpoint: connection.server, name: tls.serverName), make: PartyTexts.init)
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
        // Most connections have no alert: asked by several rules for each.
        guard !tls.alerts.isEmpty else { return nil }
        return tls.alerts.first { $0.duringHandshake && ($0.level == .fatal || $0.encrypted) }
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

    /// One evidence line per certificate of the chain and one for the verdict. The texts are remembered by
    /// what they are made of (a capture's failures repeat a few chains; writing them cost ~15 K instructions
    /// a finding); only the frame is the connection's own.
    func chainEvidence(_ chain: ChainReport?, label: String) -> [Evidence] {
        guard let chain else { return [] }
        let texts = ChainEvidenceTexts.memo.value(for: ChainEvidenceTexts.Key(chain, label: label), make: ChainEvidenceTexts.make)
        var out: [Evidence] = []
        out.reserveCapacity(texts.count)
        for (i, t) in texts.enumerated() {
            out.append(Evidence(t.label, t.value, frame: i < texts.count - 1 ? chain.frame : nil))
        }
        return out
    }

    /// `chainEvidence` as it is written when not remembered (tests compare the two).
    static func chainEvidenceTexts(_ chain: ChainReport, label: String) -> [Evidence] {
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
        let head = heads.value(for: Head(a), make: Head.text)
        let frame = String(a.frame)
        if let after = a.after { return Text.concat([head, " (frame ", frame, "), after ", after]) }
        return Text.concat([head, " (frame ", frame, ")"])
    }

    /// What `describe` says before the frame, by the values it is made of: a capture's alerts are a few
    /// kinds, and writing the whole description piece by piece cost ~5 K instructions a finding.
    struct Head: Hashable {
        var level: AlertLevel?
        var description: AlertDescription?
        var sender: Side
        var inferred: Bool
        var recordLength: Int

        init(_ a: AlertRecord) {
            level = a.level; description = a.description; sender = a.sender; inferred = a.inferred; recordLength = a.recordLength
        }

        static func text(_ h: Head) -> String {
            if let d = h.description {
                return "\(h.level?.description ?? "?") \(d) from the \(h.sender.rawValue)"
            } else if h.inferred {
                return "encrypted alert from the \(h.sender.rawValue) (inferred: a \(h.recordLength)-byte TLS 1.3 record, the size of an alert)"
            } else {
                return "encrypted alert from the \(h.sender.rawValue) (\(h.recordLength)-byte record; its type is hidden)"
            }
        }
    }

    static let heads = TextMemo<Head, String>(limit: 1_000)
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

/// The server's name as findings write it, lower case and capitalised (see `RuleContext.server`).
struct PartyTexts {
    var text: String
    var capitalized: String

    struct ServerKey: Hashable {
        var endpoint: Endpoint
        var name: String?
    }

    static let servers = TextMemo<ServerKey, PartyTexts>(limit: 10_000)

    init(_ server: ServerKey) {
        let name = server.name.map { " (\($0))" } ?? ""
        text = "the server \(server.endpoint)\(name)"
        capitalized = text.capitalizedFirst
    }
}

/// Which of the kinds `serverProblems` asks about a chain's issues include.
struct ServerIssueKinds {
    var expired = false, notYetValid = false, incompleteChain = false, selfSignedLeaf = false
    var missingServerAuthEKU = false, invalidPurpose = false, untrustedRoot = false, weakKey = false, weakSignature = false

    mutating func insert(_ k: ChainIssue.Kind) {
        if k == .expired { expired = true }
        else if k == .notYetValid { notYetValid = true }
        else if k == .incompleteChain { incompleteChain = true }
        else if k == .selfSignedLeaf { selfSignedLeaf = true }
        else if k == .missingServerAuthEKU { missingServerAuthEKU = true }
        else if k == .invalidPurpose { invalidPurpose = true }
        else if k == .untrustedRoot { untrustedRoot = true }
        else if k == .weakKey { weakKey = true }
        else if k == .weakSignature { weakSignature = true }
    }
}

/// The texts of `RuleContext.chainEvidence`, remembered by what they are made of.
enum ChainEvidenceTexts {
    struct Key: Hashable {
        /// What a certificate's line is made of: its names and dates, or its size and why it did not decode.
        struct Certificate: Hashable {
            var subject: String?
            var issuer: String?
            var notBefore: Timestamp?
            var notAfter: Timestamp?
            var size: Int
            var decodeError: String?

            /// The names are compared but not hashed (the dates and the size tell certificates apart well
            /// enough, and the names are mostly the very strings the certificate cache handed out, which
            /// compare without reading their bytes).
            func hash(into hasher: inout Hasher) {
                hasher.combine(notBefore)
                hasher.combine(notAfter)
                hasher.combine(size)
            }
        }
        var label: String
        var certificates: [Certificate]
        var status: ChainVerdict.Status
        var storeLabel: String?
        var opensslErrorText: String?

        init(_ chain: ChainReport, label: String) {
            self.label = label
            certificates = chain.certificates.map { c in
                if let s = c.summary {
                    return Certificate(subject: s.subject, issuer: s.issuer, notBefore: s.notBefore, notAfter: s.notAfter,
                                       size: c.der.count, decodeError: nil)
                }
                return Certificate(subject: nil, issuer: nil, notBefore: nil, notAfter: nil, size: c.der.count, decodeError: c.decodeError)
            }
            status = chain.verdict.status
            storeLabel = chain.verdict.storeLabel
            opensslErrorText = chain.verdict.opensslErrorText
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(label.utf8.count)
            hasher.combine(certificates)
            hasher.combine(status)
        }
    }

    /// (label, value) of each line: the certificates' lines, then the verdict's.
    static func make(_ k: Key) -> [(label: String, value: String)] {
        var out: [(label: String, value: String)] = []
        for (i, c) in k.certificates.enumerated() {
            if let subject = c.subject, let issuer = c.issuer, let notBefore = c.notBefore, let notAfter = c.notAfter {
                out.append(("\(k.label) [\(i)]", "\(subject) — issued by \(issuer), valid \(notBefore.rfc3339Seconds) to \(notAfter.rfc3339Seconds)"))
            } else {
                out.append(("\(k.label) [\(i)]", "undecodable certificate (\(c.size) bytes): \(c.decodeError ?? "")"))
            }
        }
        out.append(("verdict", "\(k.status.rawValue) against \(k.storeLabel ?? "no trust store")" +
                    (k.opensslErrorText.map { " (OpenSSL: \($0))" } ?? "")))
        return out
    }

    static let memo = TextMemo<Key, [(label: String, value: String)]>(limit: 1_000)
}
