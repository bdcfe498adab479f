import WireCore
import TLSWire
import Connections

/// WEAK-CIPHER: a weak or non-forward-secret suite was negotiated.
public struct WeakCipherRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .weakCipher }
    public var severity: Severity { .warning }
    public var rank: Int { 50 }
    public var summary: String { "A weak cipher suite (NULL, EXPORT, anon, RC4, DES/3DES, MD5) or one without forward secrecy was negotiated." }
    public var details: String {
        """
        The negotiated cipher suite is weak (NULL or EXPORT encryption, anonymous key exchange, RC4, DES or 3DES, \
        MD5 MAC) or has no forward secrecy (static RSA key exchange: whoever gets the server key later can decrypt \
        recorded traffic). It works, but should be changed: prefer ECDHE with AES-GCM or ChaCha20-Poly1305.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let suite = ctx.tls.serverHello?.value.cipherSuite, Self.isWeak(suite), let info = suite.info,
              let sh = ctx.tls.serverHello else { return nil }
        var reasons = info.weaknesses
        if !info.forwardSecret && info.weaknesses.isEmpty { reasons.append("no forward secrecy (\(info.keyExchange) key exchange)") }
        guard !reasons.isEmpty else { return nil }
        let clientOfferedBetter = ctx.tls.clientHello?.value.cipherSuites.lazy.compactMap(\.info).contains { $0.forwardSecret && $0.weaknesses.isEmpty } ?? false  // stops at the first strong suite
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: Text.write("Weak cipher suite negotiated: \(info.name) (\(Text.join(reasons, separator: ", ")))"),
                       explanation: Text.write("\(ctx.serverCapitalized) chose \(info.name), which is weak: \(Text.join(reasons, separator: ", ")). ") + (clientOfferedBetter ? "The client offered stronger suites, so the server's preference is the problem." : "The client offered nothing stronger."),
                       remediation: clientOfferedBetter ? "Prefer ECDHE + AES-GCM/ChaCha20 suites on the server and disable \(info.name)."
                           : "Enable modern suites (ECDHE with AES-GCM) on the device and prefer them on the server.",
                       frames: [sh.frame], evidence: NegotiationDiff.chosen(sh.value), sideAtFault: clientOfferedBetter ? .server : .client)
    }

    /// A suite the rule reports: known, not TLS 1.3-only, weak or without forward secrecy. Remembered by suite:
    /// the registry lookup copies the suite's description (six strings and a list), ~600 instructions for
    /// every connection, and a capture negotiates a handful of suites.
    static func isWeak(_ suite: CipherSuite) -> Bool { weakSuites.value(for: suite, make: isWeakInRegistry) }

    static func isWeakInRegistry(_ suite: CipherSuite) -> Bool {
        guard let info = suite.info else { return false }
        return !info.tls13Only && (!info.weaknesses.isEmpty || !info.forwardSecret)
    }

    static let weakSuites = TextMemo<CipherSuite, Bool>(limit: 1_000)
}
