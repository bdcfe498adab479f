import WireCore
import Packets
import TLSWire
import Connections
import X509Inspect
import Diagnosis
import Capture

/// Words shared by the human-readable reports (terminal, Markdown, HTML), so they say the same
/// thing the same way. Everything returned is raw text: capture-derived parts are NOT escaped here;
/// each renderer escapes for its own format.
public enum ReportProse {
    /// Seconds since the connection started, "+0.012 s".
    public static func relative(_ t: Timestamp, from start: Timestamp) -> String {
        let d = t.difference(from: start)
        return "+" + fixed(max(0, d), 3) + " s"
    }

    public static func fixed(_ v: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((v * scale).rounded())
        let whole = n / Int64(scale)
        var frac = String(n % Int64(scale))
        while frac.count < digits { frac = "0" + frac }
        return digits == 0 ? "\(whole)" : "\(whole).\(frac)"
    }

    /// "2026-01-05 10:22:01 UTC"
    public static func date(_ t: Timestamp) -> String {
        let s = t.rfc3339Seconds
        return String(s.prefix(10)) + " " + String(s.dropFirst(11).prefix(8)) + " UTC"
    }

    /// "2026-01-05"
    public static func day(_ t: Timestamp) -> String { String(t.rfc3339Seconds.prefix(10)) }

    /// "RSA 2048", "EC 256 (prime256v1)", "Ed25519"
    public static func key(_ s: CertificateSummary) -> String {
        if let curve = s.curve { return "\(s.keyType) \(s.keyBits) (\(curve))" }
        if s.keyType == "Ed25519" || s.keyType == "Ed448" { return s.keyType }
        return "\(s.keyType) \(s.keyBits)"
    }

    public enum Validity: Sendable { case valid, expired, notYetValid }

    public static func validity(_ s: CertificateSummary, at t: Timestamp) -> Validity {
        if t.seconds > s.notAfter.seconds { return .expired }
        if t.seconds < s.notBefore.seconds { return .notYetValid }
        return .valid
    }

    /// "valid 2025-01-01 → 2027-01-01" + " (EXPIRED at capture time)" …
    public static func validityText(_ s: CertificateSummary, at t: Timestamp) -> String {
        let range = "\(day(s.notBefore)) → \(day(s.notAfter))"
        switch validity(s, at: t) {
        case .valid: return "valid \(range)"
        case .expired: return "valid \(range), EXPIRED at capture time (\(day(t)))"
        case .notYetValid: return "valid \(range), NOT YET VALID at capture time (\(day(t)))"
        }
    }

    /// "trusted by <store>", "NOT trusted: unable to get local issuer certificate", "not checked (no trust store given)".
    public static func chainVerdict(_ r: ChainReport) -> String {
        let v = r.verdict
        let store = v.storeLabel.map { " by \($0)" } ?? ""
        switch v.status {
        case .trusted: return v.issues.isEmpty ? "trusted\(store)" : "trusted\(store), with issues"
        case .untrusted: return "NOT trusted\(store)" + (v.opensslErrorText.map { ": \($0)" } ?? "")
        case .notChecked: return "not checked against a trust store" + (v.issues.isEmpty ? "" : ", with issues")
        }
    }

    /// Who sent the chain, in the reader's words.
    public static func chainTitle(_ r: ChainReport) -> String {
        r.sender == .server ? "Server certificate chain" : "Client (device) certificate chain"
    }

    /// Extra facts of a chain: hostname check, device MAC, acceptable CAs.
    public static func chainNotes(_ r: ChainReport) -> [String] {
        var notes: [String] = []
        if let name = r.hostnameChecked {
            let src = r.hostnameSource.map { " (\($0))" } ?? ""
            switch r.hostnameMatches {
            case true?: notes.append("Name \(name)\(src) matches the certificate")
            case false?: notes.append("Name \(name)\(src) does NOT match the certificate")
            case nil: notes.append("Name \(name)\(src) not checked")
            }
        }
        if let cm = r.certificateMAC {
            if let fm = r.frameMAC {
                notes.append(cm == fm ? "Device certificate names MAC \(cm), the same as the device's Ethernet address"
                                      : "Device certificate names MAC \(cm), but the device's Ethernet address is \(fm)")
            } else {
                notes.append("Device certificate names MAC \(cm)")
            }
        }
        if let m = r.acceptableCAMatch {
            notes.append(m ? "Chain matches one of the server's acceptable CAs" : "Chain matches NONE of the server's acceptable CAs")
        }
        if !r.acceptableCANames.isEmpty {
            notes.append("Server accepts client certificates from: " + r.acceptableCANames.joined(separator: "; "))
        }
        return notes
    }

    /// "SAN: DNS:sip.example.com, IP:10.0.0.5" (capped).
    public static func sans(_ s: CertificateSummary, limit: Int = 12) -> String? {
        guard !s.subjectAltNames.isEmpty else { return nil }
        var list = s.subjectAltNames.prefix(limit).map(\.description)
        if s.subjectAltNames.count > limit { list.append("… \(s.subjectAltNames.count - limit) more") }
        return list.joined(separator: ", ")
    }

    /// The sentence a reader sees first for a connection.
    public static func verdict(_ ac: AnalyzedConnection, digest d: ConnectionDigest) -> String {
        let outcome = ConnectionDigest.outcomeWords(ac.connection.outcome)
        if let t = d.rootTitle {
            switch d.status {
            case .ok: return t
            case .warning: return "Established, with a warning: " + t
            default: return capitalized(outcome) + ": " + t
            }
        }
        if ac.connection.outcome == .notTLS {
            let c = ac.connection
            let proto = (c.tls.clientPlaintext ?? c.tls.serverPlaintext).flatMap { PlaintextProtocol.guess($0.value) }
            return "Not TLS: " + (proto.map { "plaintext \($0)" } ?? "no TLS handshake") + " on port \(c.server.port)"
        }
        switch d.status {
        case .ok: return "Handshake completed"
        case .failed: return capitalized(outcome) + " (no rule explained it; see the transcript)"
        default: return capitalized(outcome)
        }
    }

    public static func capitalized(_ s: String) -> String {
        guard let f = s.first else { return s }
        return f.uppercased() + s.dropFirst()
    }

    /// "Finding", "Follows from SERVER-CERT-REJECTED", "Also" — how a finding relates to the root cause.
    public static func relation(_ f: Finding, index: Int) -> String {
        if index == 0 { return "Root cause" }
        if let r = f.followsFrom { return "Follows from \(r.rawValue)" }
        return "Also"
    }

    /// An input in one line: "pcapng, 230 frames, 2026-11-20 10:00:01 UTC → 10:00:09 UTC, EN10MB".
    public static func inputLine(_ r: InputResult) -> String {
        if let e = r.error { return "error: \(e.reason)" }
        guard let i = r.info else { return "" }
        var parts = ["\(i.format.rawValue)", "\(i.frames) frame\(i.frames == 1 ? "" : "s")"]
        if let a = i.firstTime, let b = i.lastTime {
            parts.append(date(a) + " → " + (day(a) == day(b) ? String(b.rfc3339Seconds.dropFirst(11).prefix(8)) + " UTC" : date(b)))
        }
        if !i.linkTypes.isEmpty { parts.append(i.linkTypes.map(\.description).joined(separator: "/")) }
        parts.append("\(r.tlsConnections) TLS connection\(r.tlsConnections == 1 ? "" : "s") of \(r.connections)")
        if let p = i.readProblem { parts.append("read problem: \(p)") }
        return parts.joined(separator: ", ")
    }

    /// Transcript arrow label: "ClientHello", "Alert fatal unknown_ca", "application data (3 records, 512 bytes)".
    public static func event(_ e: TranscriptEntry.Event) -> (name: String, detail: String?) {
        TranscriptText.describe(e)
    }

    public static func isAlert(_ e: TranscriptEntry.Event) -> Bool {
        switch e { case .alert, .encryptedAlert: return true; default: return false }
    }

    /// Capture-quality notes of a connection: anomalies and TCP facts that weaken the evidence.
    public static func captureNotes(_ c: Connection) -> [String] {
        var notes: [String] = []
        if c.tcp.startedBeforeCapture { notes.append("The connection began before the capture started (no SYN captured).") }
        if !c.tcp.sawServerPackets && c.tcp.sawClientPackets && c.outcome != .tcpNoAnswer { notes.append("Only the client's packets were captured.") }
        if !c.tcp.sawClientPackets && c.tcp.sawServerPackets { notes.append("Only the server's packets were captured.") }
        for side in Side.allCases {
            let s = c.tcp.stats(side)
            if s.gapCount > 0 { notes.append("\(s.gapCount) gap\(s.gapCount == 1 ? "" : "s") (\(s.gapBytes) bytes) in the \(side.rawValue)'s stream: packets missing from the capture.") }
            if s.truncatedSegments > 0 { notes.append("\(s.truncatedSegments) \(side.rawValue) segment\(s.truncatedSegments == 1 ? "" : "s") cut by the capture's snap length.") }
            if s.retransmittedSegments > 0 { notes.append("\(s.retransmittedSegments) retransmitted \(side.rawValue) segment\(s.retransmittedSegments == 1 ? "" : "s").") }
        }
        if c.transcriptTruncated { notes.append("The transcript was cut at its length limit.") }
        for a in c.anomalies.prefix(20) {
            notes.append((a.frame.map { "frame \($0): " } ?? "") + a.kind.rawValue.replacingUnderscores() + ": " + a.detail)
        }
        if c.anomalies.count > 20 { notes.append("… \(c.anomalies.count - 20) more anomalies") }
        return notes
    }
}
