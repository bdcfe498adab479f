import WireCore
import TLSWire
import Connections

/// HANDSHAKE-OK: a completed handshake, in one line.
public struct HandshakeOKRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .handshakeOK }
    public var severity: Severity { .info }
    public var rank: Int { 1000 }
    public var summary: String { "The handshake completed: version, cipher, client authentication, certificate." }
    public var details: String {
        """
        The TLS handshake finished on both sides (Finished messages exchanged, or for TLS 1.3 without keys: \
        the client's encrypted Finished followed by data and no alert). The finding summarises the version, \
        the cipher suite, whether the client authenticated with a certificate, and the server certificate's \
        subject and expiry. Nothing needs fixing; warnings on the same connection (weak cipher, weak key) may still apply.
        """
    }

    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard ctx.connection.established else { return nil }
        return Self.finding(ctx, ctx.connection.tls, id: id)
    }

    /// One finding per successful connection of a capture: the TLS summary is passed in place (no copy of
    /// the connection or of the summary), and each text is written once into its own storage
    /// ("Handshake completed: a, b, c" and "Both sides completed the TLS handshake (a; b; c).").
    private static func finding(_ ctx: RuleContext, _ tls: TLSSummary, id: RuleID) -> Finding {
        var parts: [String] = []
        parts.reserveCapacity(5)
        parts.append(tls.version?.description ?? "unknown version")
        if let cipher = tls.cipher { parts.append(cipher.description) }
        if let cc = tls.clientCertificate, !cc.value.isEmpty {
            parts.append("client authenticated with a certificate" + (ctx.analyzed.clientChain?.leafSubject.map { " (\($0))" } ?? ""))
        } else if tls.isTLS13 && tls.certificateRequest == nil && !tls.decrypted {
            parts.append("client authentication not visible (TLS 1.3 encrypts it)")
        } else {
            parts.append("no client certificate")
        }
        if let subject = ctx.analyzed.serverChain?.leafSubject, let notAfter = ctx.analyzed.serverChain?.leafNotAfter {
            parts.append("server certificate \(subject), valid until \(notAfter.rfc3339Seconds)")
        } else if tls.isTLS13 {
            parts.append("server certificate encrypted (TLS 1.3)")
        }
        if tls.resumed { parts.append("resumed session") }
        // Finding sorts its frames; listed in order here, they are kept as given (no copy to sort).
        var frames = [Int]()
        frames.reserveCapacity(5)
        func add(_ f: Int?) {
            guard let f else { return }
            var i = frames.count
            while i > 0 && frames[i - 1] > f { i -= 1 }
            frames.insert(f, at: i)
        }
        add(tls.clientHello?.frame)
        add(tls.serverHello?.frame)
        add(tls.serverFinished?.frame)
        add(tls.clientFinished?.frame)
        add(ctx.connection.tls13?.clientFlightFrame)
        return Finding(rule: id, severity: .info, confidence: tls.isTLS13 && tls.serverFinished == nil ? .medium : .high,
                       title: Text.join(parts, prefix: "Handshake completed: ", separator: ", "),
                       explanation: Text.join(parts, prefix: "Both sides completed the TLS handshake (", separator: "; ", suffix: ")."),
                       remediation: "Nothing to fix for the handshake.", frames: frames)
    }
}

extension ChainReport {
    /// `leaf?.subject` and `leaf?.notAfter`, read in place (`leaf` copies the whole summary).
    var leafSubject: String? { certificates.isEmpty ? nil : certificates[0].summary?.subject }
    var leafNotAfter: Timestamp? { certificates.isEmpty ? nil : certificates[0].summary?.notAfter }
}
