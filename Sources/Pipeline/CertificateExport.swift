import Foundation
import WireCore
import Connections
import X509Inspect
import Diagnosis

/// Writes every chain seen as PEM, one file per connection and side, named so a person can find
/// them: `003_10.0.0.20-50712_to_10.0.0.5-5061_server.pem`.
public enum CertificateExport {
    public static func fileName(input: Int, id: Int, _ c: Connection, side: Side, inputs: Int) -> String {
        func ep(_ e: String) -> String { e.replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "") }
        let prefix = inputs > 1 ? "in\(input + 1)_" : ""
        let num = String(format: "%03d", id)
        return "\(prefix)\(num)_\(ep("\(c.client.ip)"))-\(c.client.port)_to_\(ep("\(c.server.ip)"))-\(c.server.port)_\(side.rawValue).pem"
    }

    /// The PEM text of a chain, each certificate preceded by readable subject/issuer comments.
    public static func pem(_ chain: ChainReport) -> String {
        var out = ""
        for (i, c) in chain.certificates.enumerated() {
            if let s = c.summary {
                out += "# [\(i)] subject: \(oneLine(s.subject))\n# [\(i)] issuer:  \(oneLine(s.issuer))\n# [\(i)] valid:   \(s.notBefore.rfc3339Seconds) to \(s.notAfter.rfc3339Seconds)\n"
            } else {
                out += "# [\(i)] undecodable certificate, bytes kept as sent\n"
            }
            out += PEMExport.pem(der: c.der)
        }
        return out
    }

    /// Certificate names are capture-controlled: keep comments on one printable line.
    static func oneLine(_ s: String) -> String {
        String(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) })
    }
}
