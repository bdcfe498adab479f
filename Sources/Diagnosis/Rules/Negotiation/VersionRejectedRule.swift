import WireCore
import TLSWire
import Connections

/// VERSION-REJECTED: a protocol_version (or inappropriate_fallback) alert.
public struct VersionRejectedRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .versionRejected }
    public var severity: Severity { .error }
    public var rank: Int { 15 }
    public var summary: String { "One side refused the TLS version (protocol_version alert): which side, and what each offered." }
    public var details: String {
        """
        A protocol_version alert means the sender does not support the version the peer offered (from the \
        server, after the ClientHello) or chose (from the client, after the ServerHello). Most often a device \
        that only does TLS 1.0/1.1 meets a server that requires TLS 1.2. inappropriate_fallback means the client \
        retried with a lower version than it supports (a downgrade the server refuses).
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        guard let a = ctx.handshakeAlert, let d = a.description, d == .protocolVersion || d == .inappropriateFallback,
              let ch = ctx.tls.clientHello?.value else { return nil }
        var evidence = [ctx.alertEvidence(a)] + NegotiationDiff.offered(ch)
        if let sh = ctx.tls.serverHello { evidence += NegotiationDiff.chosen(sh.value) }
        let highest = ch.highestVersion
        let explanation: String
        let fix: String
        let fault: Side
        if a.sender == .server {
            fault = highest < .tls12 ? .client : .server
            explanation = Text.write("The server refused the client's TLS version: \(ctx.device) offered at most \(highest) (\(Text.join(ch.offeredVersions.map(\.description), separator: ", "))) and \(ctx.server) answered with a fatal \(d) alert (frame \(a.frame)) instead of a ServerHello — it requires a newer version.")
            fix = highest < .tls12
                ? ctx.remediation(id, generic: "Enable TLS 1.2 on the device (upgrade its firmware if it cannot). Re-enabling TLS 1.0/1.1 on the server would work but is insecure.")
                : Text.write("The server refuses every version the client offers (\(Text.join(ch.offeredVersions.map(\.description), separator: ", "))): check the server's minimum/maximum TLS version settings.")
        } else {
            fault = .server
            let chosen = ctx.tls.serverHello.map { "\($0.value.negotiatedVersion)" } ?? "a version"
            explanation = Text.write("The client refused the version the server chose: \(ctx.server) selected \(chosen) and \(ctx.device) answered with a fatal \(d) alert (frame \(a.frame)); the device does not accept \(chosen) (it offered \(Text.join(ch.offeredVersions.map(\.description), separator: ", "))).")
            fix = Text.write("Enable TLS 1.2 on the server (the device refuses \(chosen)).")
        }
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: Text.write("TLS version refused by the \(a.sender.rawValue) (\(d))"),
                       explanation: explanation, remediation: fix,
                       frames: ctx.helloFrames + [a.frame], evidence: evidence, sideAtFault: fault)
    }
}
