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
    /// the connection or of the summary), and the two texts are built as bytes, each part written to both
    /// ("Handshake completed: a, b, c" and "Both sides completed the TLS handshake (a; b; c).").
    private static func finding(_ ctx: RuleContext, _ tls: TLSSummary, id: RuleID) -> Finding {
        var title = TextBuilder(capacity: 192)
        var explanation = TextBuilder(capacity: 224)
        title.add("Handshake completed: ")
        explanation.add("Both sides completed the TLS handshake (")
        var first = true
        func part(_ s: String) {
            if !first { title.add(", "); explanation.add("; ") }
            title.add(s)
            explanation.add(s)
            first = false
        }
        part(tls.version?.description ?? "unknown version")
        if let cipher = tls.cipher { part(cipher.description) }
        if let cc = tls.clientCertificate, !cc.value.isEmpty {
            part("client authenticated with a certificate" + (ctx.analyzed.clientChain?.leafSubject.map { " (\($0))" } ?? ""))
        } else if tls.isTLS13 && tls.certificateRequest == nil && !tls.decrypted {
            part("client authentication not visible (TLS 1.3 encrypts it)")
        } else {
            part("no client certificate")
        }
        if let subject = ctx.analyzed.serverChain?.leafSubject, let notAfter = ctx.analyzed.serverChain?.leafNotAfter {
            part("server certificate \(subject), valid until \(notAfter.rfc3339Seconds)")
        } else if tls.isTLS13 {
            part("server certificate encrypted (TLS 1.3)")
        }
        if tls.resumed { part("resumed session") }
        explanation.add(").")
        var frames = [Int]()
        frames.reserveCapacity(5)
        if let f = tls.clientHello?.frame { frames.append(f) }
        if let f = tls.serverHello?.frame { frames.append(f) }
        if let f = tls.serverFinished?.frame { frames.append(f) }
        if let f = tls.clientFinished?.frame { frames.append(f) }
        if let f = ctx.connection.tls13?.clientFlightFrame { frames.append(f) }
        return Finding(rule: id, severity: .info, confidence: tls.isTLS13 && tls.serverFinished == nil ? .medium : .high,
                       title: title.string, explanation: explanation.string,
                       remediation: "Nothing to fix for the handshake.", frames: frames)
    }
}

extension ChainReport {
    /// `leaf?.subject` and `leaf?.notAfter`, read in place (`leaf` copies the whole summary).
    var leafSubject: String? { certificates.isEmpty ? nil : certificates[0].summary?.subject }
    var leafNotAfter: Timestamp? { certificates.isEmpty ? nil : certificates[0].summary?.notAfter }
}
