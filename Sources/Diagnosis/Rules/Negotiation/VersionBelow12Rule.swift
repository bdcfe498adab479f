import WireCore
import TLSWire
import Connections

/// VERSION-BELOW-1.2: TLS 1.1 or older negotiated, or a client whose best is below TLS 1.2.
public struct VersionBelow12Rule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .versionBelow12 }
    public var severity: Severity { .warning }
    public var rank: Int { 40 }
    public var summary: String { "TLS 1.1 or older was negotiated, or the client cannot do TLS 1.2." }
    public var details: String {
        """
        TLS 1.0 and 1.1 are deprecated (RFC 8996) and refused by current servers; SSL 3.0 is broken. A connection \
        that negotiated one of them works today only because the server still allows it. A client whose highest \
        version is below 1.2 needs a firmware upgrade (for the first vendor profile: firmware 3.1 brought TLS 1.2; \
        'Force Secure TLS Version' makes it mandatory, and it is the default from 4.0).
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Whether it fires, from the few fields it depends on; the copies and the text only when it does.
        guard let legacy = ctx.tls.clientHello?.value.legacyVersion,
              Self.mayFire(legacy: legacy, supported: ctx.tls.clientHello?.value.supportedVersions ?? [],
                           negotiated: ctx.tls.serverHello?.value.negotiatedVersion) else { return nil }
        let tls = ctx.tls
        guard let ch = tls.clientHello?.value else { return nil }
        let highest = ch.highestOffered
        if let v = tls.version, v < .tls12, v.rank > 0 {
            let clientCould = highest >= .tls12
            return Finding(rule: id, severity: .warning, confidence: .high,
                           title: "\(v) negotiated (below TLS 1.2)",
                           explanation: "The connection uses \(v), which is deprecated. " + (clientCould
                               ? "The client offered up to \(highest), so the server chose the old version: the server side should be fixed."
                               : "The client's best version is \(highest): the device must be upgraded to use TLS 1.2."),
                           remediation: clientCould ? "Enable TLS 1.2 (and 1.3) on the server and disable TLS 1.0/1.1."
                               : ctx.remediation(id, generic: "Upgrade the device firmware to a version with TLS 1.2 and enable TLS 1.2 on the device."),
                           frames: ctx.helloFrames, evidence: NegotiationDiff.offered(ch) + (tls.serverHello.map { NegotiationDiff.chosen($0.value) } ?? []),
                           sideAtFault: clientCould ? .server : .client)
        }
        if highest < .tls12, highest.rank > 0, ctx.handshakeAlert?.description != .protocolVersion {
            // Without a protocol_version alert (VERSION-REJECTED covers that), an old-only client is still the likely cause of a failure.
            let failed = ctx.failed && tls.serverHello == nil
            return Finding(rule: id, severity: failed ? .error : .warning, confidence: failed ? .medium : .high,
                           title: "The client's best TLS version is \(highest)",
                           explanation: "\(ctx.deviceCapitalized) offered at most \(highest)." + (failed ? " The server did not answer with a ServerHello; servers that require TLS 1.2 often just close the connection." : ""),
                           remediation: ctx.remediation(id, generic: "Upgrade the device firmware to a version with TLS 1.2 and enable TLS 1.2 on the device."),
                           frames: ctx.helloFrames, evidence: NegotiationDiff.offered(ch), sideAtFault: .client)
        }
        return nil
    }

    /// A negotiated version below TLS 1.2, or a best offer below it. Given the fields, not the summary: passing
    /// `ctx.connection.tls` made the compiler copy the whole summary for every connection (~800 instructions).
    private static func mayFire(legacy: ProtocolVersion, supported: [ProtocolVersion], negotiated: ProtocolVersion?) -> Bool {
        let highest = ClientHello.highest(legacy: legacy, supported: supported)
        let belowNegotiated = negotiated.map { $0 < .tls12 && $0.rank > 0 } ?? false
        return belowNegotiated || (highest < .tls12 && highest.rank > 0)
    }
}
