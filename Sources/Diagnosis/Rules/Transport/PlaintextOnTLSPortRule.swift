import WireCore
import TLSWire
import Connections

/// PLAINTEXT-ON-TLS-PORT: plaintext SIP/HTTP sent where TLS is expected.
public struct PlaintextOnTLSPortRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .plaintextOnTLSPort }
    public var severity: Severity { .error }
    public var rank: Int { 8 }
    public var summary: String { "The device sent plaintext (SIP, HTTP) to a port that expects TLS." }
    public var details: String {
        """
        The client's first bytes are not a TLS record but plaintext (e.g. "REGISTER sip:…" or "GET /…"), sent to a \
        port where the server expects TLS (5061, 443), or the server answered as a TLS server would (an alert or a \
        close). The device's transport is set to UDP/TCP instead of TLS, or it uses http:// for provisioning. \
        TLS is recognised by content, not by port: the same bytes on 5060 would be normal SIP.
        """
    }
    static let tlsPorts: Set<UInt16> = [443, 5061, 8443, 993, 995, 465, 636, 5223, 4443, 10443, 6514, 2083, 8883]

    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Read through the context until the rule may fire (a local copy of the connection cost a ~1.5 KB
        // memcpy for every connection).
        guard ctx.tls.clientPlaintext != nil else { return nil }
        let c = ctx.connection
        guard let p = c.tls.clientPlaintext, c.tls.clientHello == nil, c.tls.startTLSAfterBytes == nil else { return nil }
        let serverSpokeTLS = c.tls.sawTLS
        guard Self.tlsPorts.contains(c.server.port) || serverSpokeTLS else { return nil }
        let proto = PlaintextProtocol.guess(p.value) ?? "plaintext"
        let firstLine = PlaintextProtocol.firstLine(p.value)
        let isSIP = proto == "SIP"
        let generic = isSIP
            ? "Set the device's SIP transport to TLS (not UDP or TCP) when it registers to port \(c.server.port), or point it at the server's plaintext port (5060) if TLS is not wanted."
            : "Use TLS for this connection (https:// for provisioning), or use the server's plaintext port."
        return Finding(rule: id, severity: severity, confidence: .high,
                       title: "Plaintext \(proto) sent to TLS port \(c.server.port)",
                       explanation: "\(ctx.deviceCapitalized) sent plaintext \(proto) (\"\(firstLine)\") to \(c.server), a port that expects TLS\(serverSpokeTLS ? " — the server answered with TLS" : ""). The device is configured for an unencrypted transport while the server expects TLS.",
                       remediation: ctx.remediation(id, generic: generic),
                       frames: [p.frame], evidence: [Evidence("first bytes from the client", firstLine, frame: p.frame)],
                       sideAtFault: .client)
    }
}
