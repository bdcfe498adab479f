import WireCore
import Diagnosis
import Reports

/// Findings about a whole input rather than one connection.
enum InputRules {
    static func noTLS(counters: PacketCounters, connections: Int, frames: Int) -> Finding {
        let what = counters.description
        return Finding(rule: .captureNoTLS, severity: .warning, confidence: .high,
                       title: "No TLS in this capture",
                       explanation: "None of the \(frames) frames carried a TLS handshake or record (on any port). The capture holds: \(what)\(connections > 0 ? "; \(connections) TCP connection\(connections == 1 ? "" : "s") without TLS" : "").",
                       remediation: "Capture again while the device tries to connect: mirror the device's switch port (both directions), start the capture before the device registers or provisions (reboot it or trigger provisioning), and check the device's transport: SIP over TLS uses TCP 5061, HTTPS provisioning TCP 443.",
                       frames: [])
    }
}
