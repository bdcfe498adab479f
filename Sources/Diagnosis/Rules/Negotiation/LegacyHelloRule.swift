import WireCore
import TLSWire
import Connections

/// LEGACY-HELLO: an SSLv2-compatible ClientHello, or an SSL 3.0 hello.
public struct LegacyHelloRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .legacyHello }
    public var severity: Severity { .warning }
    public var rank: Int { 12 }
    public var summary: String { "The client sent an SSLv2-compatible or SSL 3.0 hello, which modern servers refuse." }
    public var details: String {
        """
        The ClientHello used the SSLv2-compatible record format (RFC 5246 Appendix E.2) or offered at most SSL 3.0. \
        Stacks from before ~2010 (old Java, OpenSSL 0.9.x, some embedded firmware) do this; current servers \
        (OpenSSL 1.1+, anything with TLS 1.3) reject SSLv2-format hellos and SSL 3.0. The device needs a firmware \
        (TLS library) upgrade.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // The hello's few fields are read until the rule knows it fires.
        guard let sslv2 = ctx.tls.clientHello?.value.isSSLv2Compatible, let legacy = ctx.tls.clientHello?.value.legacyVersion,
              Self.fires(sslv2: sslv2, legacy: legacy, supported: ctx.tls.clientHello?.value.supportedVersions ?? []),
              let ch = ctx.tls.clientHello else { return nil }
        let h = ch.value
        let failed = ctx.tls.serverHello == nil && ctx.failed
        let what = sslv2 ? "an SSLv2-compatible ClientHello (record format from SSL 2.0)" : "a ClientHello offering at most SSL 3.0"
        return Finding(rule: id, severity: failed ? .error : .warning, confidence: .high,
                       title: sslv2 ? "SSLv2-compatible ClientHello" : "SSL 3.0 ClientHello",
                       explanation: "\(ctx.deviceCapitalized) sent \(what) (frame \(ch.frame)), offering up to \(h.highestVersion)." + (failed ? " The server did not accept it." : " The server accepted it, but current servers refuse this format."),
                       remediation: ctx.remediation(id, generic: "Upgrade the device firmware to a TLS stack that sends standard TLS 1.2 hellos."),
                       frames: [ch.frame], evidence: NegotiationDiff.offered(h), sideAtFault: .client)
    }

    /// An SSLv2-format hello, or one offering at most SSL 3.0. Given the fields, not the summary: passing
    /// `ctx.connection.tls` made the compiler copy the whole summary for every connection (~800 instructions).
    private static func fires(sslv2: Bool, legacy: ProtocolVersion, supported: [ProtocolVersion]) -> Bool {
        let highest = ClientHello.highest(legacy: legacy, supported: supported)
        return sslv2 || (highest <= .sslv3 && highest.rank > 0)
    }
}
