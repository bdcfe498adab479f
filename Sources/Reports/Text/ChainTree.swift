import WireCore
import Connections
import X509Inspect
import Diagnosis

/// A certificate chain as a readable tree, the way a person checks it: who issued whom, validity,
/// key, names, and the verdict with its issues.
public enum ChainTree {
    public static func render(_ chain: ChainReport, title: String) -> String {
        var out = "\(title) (frame \(chain.frame), \(chain.certificates.count) certificate\(chain.certificates.count == 1 ? "" : "s") sent)\n"
        for (i, cert) in chain.certificates.enumerated() {
            let indent = String(repeating: "   ", count: i)
            let branch = i == 0 ? "" : "└─ "
            guard let s = cert.summary else {
                out += "\(indent)\(branch)[\(i)] undecodable (\(cert.der.count) bytes): \(TerminalStyle.visible(cert.decodeError ?? ""))\n"
                continue
            }
            let issues = chain.verdict.issues.filter { $0.certificateIndex == i }
            out += "\(indent)\(branch)[\(i)] \(TerminalStyle.visible(s.subject))\n"
            let pad = indent + (i == 0 ? "    " : "       ")
            out += "\(pad)issuer:   \(TerminalStyle.visible(s.issuer))\n"
            out += "\(pad)valid:    \(s.notBefore.rfc3339Seconds) to \(s.notAfter.rfc3339Seconds)\n"
            out += "\(pad)key:      \(s.keyType) \(s.keyBits)\(s.curve.map { " \($0)" } ?? ""), signed \(s.signatureAlgorithm)\n"
            if !s.subjectAltNames.isEmpty {
                out += "\(pad)names:    \(TerminalStyle.visible(s.subjectAltNames.map(\.description).joined(separator: ", ")))\n"
            }
            if !s.extendedKeyUsage.isEmpty { out += "\(pad)usage:    \(s.extendedKeyUsage.joined(separator: ", "))\n" }
            out += "\(pad)sha256:   \(s.sha256)\n"
            for issue in issues { out += "\(pad)! \(issue.kind.rawValue): \(TerminalStyle.visible(issue.detail))\n" }
        }
        let general = chain.verdict.issues.filter { $0.certificateIndex == nil }
        out += "verdict: \(chain.verdict.status.rawValue)" + (chain.verdict.storeLabel.map { " against \($0)" } ?? "")
            + " at \(chain.judgedAt.rfc3339Seconds)\n"
        for issue in general { out += "  ! \(issue.kind.rawValue): \(TerminalStyle.visible(issue.detail))\n" }
        if let name = chain.hostnameChecked, let m = chain.hostnameMatches {
            out += "  name \(TerminalStyle.visible(name)) (\(chain.hostnameSource ?? "")): \(m ? "covered" : "NOT covered")\n"
        } else if chain.sender == .server, chain.hostnameSource == "no SNI sent" {
            out += "  no SNI sent: name not checked (use --expect-host)\n"
        }
        if let m = chain.certificateMAC {
            out += "  device MAC in certificate: \(m)\(m.vendor.map { " (\($0))" } ?? "")"
            if let f = chain.frameMAC { out += ", sender \(f): \(f == m ? "match" : "MISMATCH")" }
            out += "\n"
        }
        return out
    }
}
