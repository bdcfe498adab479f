import WireCore
import TLSWire
import Connections

/// CLIENT-CLOCK-WRONG: the client says certificate_expired about a certificate valid at capture time.
public struct ClientClockWrongRule: DiagnosisRule {
    public init() {}
    public var id: RuleID { .clientClockWrong }
    public var severity: Severity { .error }
    public var rank: Int { 16 }
    public var summary: String { "The device calls a valid certificate expired: its clock is wrong (set up NTP)." }
    public var details: String {
        """
        The TLS client sent certificate_expired although every certificate of the server's chain is valid at the \
        capture time: the device judges validity by its own clock, which must be far off (a device without NTP \
        often starts in 1970 or at its firmware build date; one with a dead RTC battery resets after power loss). \
        When the ClientHello carries a readable clock (the first four bytes of the TLS ≤ 1.2 random are \
        gmt_unix_time on many embedded stacks), the finding shows what time the device thinks it is. Fix: configure \
        an NTP server on the device, check its time zone, and make sure NTP (UDP 123) is reachable.
        """
    }
    public func evaluate(_ ctx: RuleContext) -> Finding? {
        // Only a certificate_expired from the client can be blamed on its clock: asked before the cause is worked out.
        guard ctx.handshakeAlert(from: .client)?.description == .certificateExpired,
              ctx.serverRejectionCause == .clientClockWrong, let a = ctx.clientCertificateAlert, let chain = ctx.analyzed.serverChain else { return nil }
        var evidence = [ctx.alertEvidence(a)]
        var clock = ""
        if let ch = ctx.tls.clientHello {
            let gmt = Int64(ch.value.gmtUnixTime)
            let capture = ch.time.seconds
            // Modern stacks fill the random with random bytes; a value within a few decades of now is only a hint.
            if abs(gmt - capture) > 86_400 && gmt > Timestamp.unix(year: 1970, month: 1, day: 2) && gmt < Timestamp.unix(year: 2106, month: 1, day: 1)
                && (abs(gmt - capture) < 40 * 365 * 86_400) && ch.value.legacyVersion <= .tls12 {
                let t = Timestamp(seconds: gmt, nanoseconds: 0)
                clock = " The ClientHello's gmt_unix_time reads \(t.rfc3339Seconds) (\(Timestamp.humanDuration(seconds: gmt - capture)) \(gmt > capture ? "ahead of" : "behind") the capture), which would explain it — if this device's TLS stack writes its clock there (many embedded stacks do; modern ones write random bytes)."
                evidence.append(Evidence("ClientHello gmt_unix_time", t.rfc3339Seconds, frame: ch.frame))
            } else if abs(gmt - capture) <= 86_400 {
                clock = " (The ClientHello's gmt_unix_time is within a day of the capture time, so the stack either does not write its clock there or the wrong clock is elsewhere in the device.)"
            } else {
                clock = " The ClientHello's random does not carry a readable clock (modern stacks randomise it)."
            }
        }
        let leaf = chain.leaf
        let validity = leaf.map { "valid from \($0.notBefore.rfc3339Seconds) to \($0.notAfter.rfc3339Seconds)" } ?? "valid"
        return Finding(rule: id, severity: severity, confidence: .medium,
                       title: "The device's clock is wrong: it calls a valid certificate expired",
                       explanation: "\(ctx.deviceCapitalized) rejected the server certificate as expired (certificate_expired, frame \(a.frame)), but every certificate of the chain is valid at the capture time \(chain.judgedAt.rfc3339Seconds) (leaf \(validity)). The device judges validity by its own clock, which must be outside that window." + clock,
                       remediation: ctx.remediation(id, generic: "Set the device's clock: configure an NTP server on the device and make sure NTP (UDP 123) is reachable from it; check the time zone."),
                       frames: [chain.frame, a.frame], evidence: evidence + ctx.chainEvidence(chain, label: "server certificate"),
                       sideAtFault: .client)
    }
}
