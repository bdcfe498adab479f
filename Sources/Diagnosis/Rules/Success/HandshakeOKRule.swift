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
        let c = ctx.connection
        guard c.established else { return nil }
        let tls = c.tls
        var parts: [String] = []
        parts.reserveCapacity(6)
        parts.append(tls.version?.description ?? "unknown version")
        if let cipher = tls.cipher { parts.append(cipher.description) }
        let clientAuth: String
        if let cc = tls.clientCertificate, !cc.value.isEmpty {
            clientAuth = "client authenticated with a certificate" + (ctx.analyzed.clientChain?.leaf.map { " (\($0.subject))" } ?? "")
        } else if tls.isTLS13 && tls.certificateRequest == nil && !tls.decrypted {
            clientAuth = "client authentication not visible (TLS 1.3 encrypts it)"
        } else {
            clientAuth = "no client certificate"
        }
        parts.append(clientAuth)
        if let leaf = ctx.analyzed.serverChain?.leaf {
            parts.append("server certificate \(leaf.subject), valid until \(leaf.notAfter.rfc3339Seconds)")
        } else if tls.isTLS13 {
            parts.append("server certificate encrypted (TLS 1.3)")
        }
        if tls.resumed { parts.append("resumed session") }
        var frames = [Int]()
        frames.reserveCapacity(5)
        if let f = tls.clientHello?.frame { frames.append(f) }
        if let f = tls.serverHello?.frame { frames.append(f) }
        if let f = tls.serverFinished?.frame { frames.append(f) }
        if let f = tls.clientFinished?.frame { frames.append(f) }
        if let f = c.tls13?.clientFlightFrame { frames.append(f) }
        // One finding per successful connection of a capture: the two texts are built by appending
        // (`joined` cost ~3 K instructions each, this rule was a fifth of diagnosing a capture).
        var title = "Handshake completed: "
        var explanation = "Both sides completed the TLS handshake ("
        for (i, part) in parts.enumerated() {
            if i > 0 { title += ", "; explanation += "; " }
            title += part
            explanation += part
        }
        explanation += ")."
        return Finding(rule: id, severity: .info, confidence: tls.isTLS13 && tls.serverFinished == nil ? .medium : .high,
                       title: title, explanation: explanation,
                       remediation: "Nothing to fix for the handshake.", frames: frames)
    }
}
