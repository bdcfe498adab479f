import WireCore
import TLSWire
import Connections

/// NO-SHARED-CIPHER: the server found nothing acceptable in the ClientHello.
public struct NoSharedCipherRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .noSharedCipher }
    public var severity: Severity { .error }
    public var rank: Int { 13 }
    public var summary: String { "No shared cipher suite: the server refused the ClientHello with handshake_failure or insufficient_security." }
    public var details: String {
        """
        The server answered the ClientHello with a fatal handshake_failure (40) or insufficient_security (71) \
        alert and no ServerHello: none of the client's cipher suites (or, less often, groups or signature \
        algorithms) is enabled on the server. The evidence lists what the client offered, by name, to compare \
        with the server's cipher configuration. Fix whichever side is out of date: usually enable a modern \
        ECDHE-AES-GCM suite on the device (firmware) or allow one of the device's suites on the server.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let a = ctx.handshakeAlert(from: .server), let d = a.description,
              d == .handshakeFailure || d == .insufficientSecurity,
              let ch = ctx.tls.clientHello, ctx.tls.serverHello == nil, a.frame >= ch.frame,
              !ch.value.isSSLv2Compatible else { return nil }  // LEGACY-HELLO explains an SSLv2-format refusal
        let h = ch.value
        let legacy = NegotiationDiff.legacyOnly(h)
        let noFS = h.cipherSuites.lazy.compactMap(\.info).allSatisfy { !$0.forwardSecret }  // stops at the first forward-secret suite
        var explanation = Text.write("\(ctx.serverCapitalized) refused the ClientHello with a fatal \(d) alert (frame \(a.frame)) and no ServerHello: it has no cipher suite in common with \(ctx.device), which offered \(h.cipherSuites.filter { !$0.isGREASE && !$0.isSignalling }.count) suites (listed in the evidence).")
        if legacy { explanation += " The device offers only legacy suites (CBC, static RSA or weak ciphers)." }
        if noFS { explanation += " None of the device's suites is forward secret (no ECDHE/DHE)." }
        let fix = legacy
            ? ctx.remediation(id, generic: "Upgrade or reconfigure the device to offer modern suites (ECDHE with AES-GCM); as a stopgap, enable one of the device's suites on the server.")
            : "Enable on the server at least one of the suites the device offers (see evidence), e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, or widen the device's cipher list."
        return Finding(rule: id, severity: severity, confidence: d == .handshakeFailure ? .medium : .high,
                       title: Text.write("No shared cipher suite: the server refused the ClientHello (\(d))"),
                       explanation: explanation + (d == .handshakeFailure ? " (handshake_failure can also mean no common group or signature algorithm; compare those lists too.)" : ""),
                       remediation: fix, frames: [ch.frame, a.frame],
                       evidence: [ctx.alertEvidence(a)] + NegotiationDiff.offered(h), sideAtFault: legacy ? .client : .server)
    }
}
