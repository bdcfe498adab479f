import WireCore
import Packets
import TLSWire
import Connections
import X509Inspect
import Diagnosis

/// `--redact`: replaces what identifies a customer's network with consistent pseudonyms before any
/// renderer sees it, so every format (text, JSON, JSON Lines, Markdown, HTML) is redacted the same way.
///
/// Design: one `Redactor` per report. For each connection it first collects the sensitive values
/// from the structured fields (endpoint addresses, MACs, SNI, certificate CN/SAN names, serials,
/// fingerprints) and gives each a pseudonym; then it rewrites those fields, and finally passes every
/// free-text string of the connection (finding titles, explanations, remediation, evidence, anomaly
/// details, chain issues, certificate subjects, plaintext previews) through `text(_:)`, which replaces
/// every known value plus anything that looks like an IPv4/IPv6 address, MAC address, e-mail / SIP
/// user@host, a certificate fingerprint or key identifier. The same real value always gets the same
/// pseudonym within one report, so "the certificate names host-1.site-1.example but the device asked
/// for host-2.site-1.example" still reads correctly.
///
/// Pseudonyms:
/// - IPv4 → 192.0.2.N, then 198.51.100.N, 203.0.113.N (RFC 5737), then 198.18.0.0/15 (RFC 2544);
///   IPv6 → 2001:db8::N (RFC 3849).
/// - MAC → the vendor's OUI is kept when it is a known vendor block (it names a manufacturer shared by
///   millions of devices, and the verdict needs it: it selects the vendor profile and is the vendor
///   shown for the device), the 24 device-specific bits become a counter (00:22:ee:00:00:01);
///   unknown or locally administered OUIs become 02:00:00:00:00:N.
/// - host names → each label left of the registrable part becomes host-N, the last two labels
///   site-N.example (sip.customer.com → host-1.site-1.example, *.customer.com → *.site-1.example),
///   so wildcard and same-domain relations survive.
/// - e-mail / SIP users → user-N@…; certificate serials → serial-N; SHA-256/SHA-1 fingerprints and key
///   identifiers → hex counters of the same length (a fingerprint of a public certificate would reveal
///   the host name through Certificate Transparency logs).
/// - Kept: ports, TLS parameters, validity dates, organisation names of CAs (the fix names the CA to
///   install), rule IDs, frame numbers and times.
public final class Redactor {
    private var v4: [UInt32: UInt32] = [:]
    private var v4Made: Set<UInt32> = []
    private var v6: [IPAddress: IPAddress] = [:]
    private var v6Made: Set<IPAddress> = []
    private var macs: [UInt64: UInt64] = [:]
    private var macsMade: Set<UInt64> = []
    private var labels: [String: String] = [:]
    private var sites: [String: String] = [:]
    private var namesMade: Set<String> = []
    /// Every host name met in a structured field (lowercased) → pseudonym.
    private var knownNames: [String: String] = [:]
    /// Known names that contain characters outside the host-name alphabet: replaced by exact search.
    private var irregularNames: [(String, String)] = []
    private var users: [String: String] = [:]
    private var serials: [String: String] = [:]
    private var serialsMade: Set<String> = []
    private var hashes: [String: String] = [:]
    private var hashesMade: Set<String> = []

    public init() {}

    // MARK: - Connections and inputs

    public func redact(_ input: AnalyzedConnection) -> AnalyzedConnection {
        var ac = input
        // 1. Register structured values (so free text met later knows them).
        for chain in [ac.serverChain, ac.clientChain].compactMap({ $0 }) {
            for cert in chain.certificates { if let s = cert.summary { register(s) } }
            for s in chain.verdict.builtChain { register(s) }
            if let h = chain.hostnameChecked { _ = hostOrAddress(h) }
        }
        if let ch = ac.connection.tls.clientHello?.value { for n in ch.serverNames + [ch.serverName].compactMap({ $0 }) { _ = hostOrAddress(n) } }

        // 2. Rewrite.
        ac.connection = redact(ac.connection)
        if var chain = ac.serverChain { redact(&chain); ac.serverChain = chain }
        if var chain = ac.clientChain { redact(&chain); ac.clientChain = chain }
        ac.findings = ac.findings.map(redact)
        return ac
    }

    public func redact(_ input: InputResult) -> InputResult {
        var r = input
        r.path = text(r.path)
        if var info = r.info {
            info.path = text(info.path)
            info.readProblem = info.readProblem.map(text)
            r.info = info
        }
        r.findings = r.findings.map(redact)
        r.packets.malformedExamples = r.packets.malformedExamples.map(redact)
        r.packets.fragmentExamples = r.packets.fragmentExamples.map(redact)
        return r
    }

    public func redact(_ f: Finding) -> Finding {
        var f = f
        f.title = text(f.title)
        f.explanation = text(f.explanation)
        f.remediation = text(f.remediation)
        f.confidenceNote = f.confidenceNote.map(text)
        f.evidence = f.evidence.map { Evidence(text($0.label), text($0.value), frame: $0.frame) }
        return f
    }

    func redact(_ a: Anomaly) -> Anomaly { Anomaly(a.kind, frame: a.frame, text(a.detail)) }

    func redact(_ input: Connection) -> Connection {
        var c = input
        c.client.ip = address(c.client.ip)
        c.server.ip = address(c.server.ip)
        c.clientMAC = c.clientMAC.map(mac)
        c.serverMAC = c.serverMAC.map(mac)
        c.anomalies = c.anomalies.map(redact)
        c.endReason = text(c.endReason)
        c.transcript = c.transcript.map { e in
            var e = e
            if case .malformedHandshake(let t, let reason) = e.event { e.event = .malformedHandshake(t, reason: text(reason)) }
            return e
        }
        var t = c.tls
        if var ch = t.clientHello { ch.value = redact(ch.value); t.clientHello = ch }
        if var ch = t.retryClientHello { ch.value = redact(ch.value); t.retryClientHello = ch }
        if var sh = t.serverHello { sh.value.extensionErrors = sh.value.extensionErrors.map(text); t.serverHello = sh }
        if var sh = t.helloRetryRequest { sh.value.extensionErrors = sh.value.extensionErrors.map(text); t.helloRetryRequest = sh }
        if var cr = t.certificateRequest {
            cr.value.certificateAuthorities = cr.value.certificateAuthorities.map(redactName)
            t.certificateRequest = cr
        }
        if var m = t.serverCertificate { m.value.certificates = m.value.certificates.map { Array(repeating: 0, count: $0.count) }; t.serverCertificate = m }
        if var m = t.clientCertificate { m.value.certificates = m.value.certificates.map { Array(repeating: 0, count: $0.count) }; t.clientCertificate = m }
        t.alerts = t.alerts.map { a in var a = a; a.after = a.after.map(text); return a }
        t.malformedMessages = t.malformedMessages.map { m in var m = m; m.value = text(m.value); return m }
        if var p = t.clientPlaintext { p.value = bytes(p.value); t.clientPlaintext = p }
        if var p = t.serverPlaintext { p.value = bytes(p.value); t.serverPlaintext = p }
        c.tls = t
        return c
    }

    func redact(_ input: ClientHello) -> ClientHello {
        var h = input
        h.serverName = h.serverName.map(hostOrAddress)
        h.serverNames = h.serverNames.map(hostOrAddress)
        h.extensionErrors = h.extensionErrors.map(text)
        return h
    }

    func redact(_ chain: inout ChainReport) {
        chain.certificates = chain.certificates.map { c in
            SentCertificate(der: Array(repeating: 0, count: c.der.count), summary: c.summary.map(redact),
                            decodeError: c.decodeError.map(text))
        }
        var v = chain.verdict
        v.storeLabel = v.storeLabel.map(text)
        v.opensslErrorText = v.opensslErrorText.map(text)
        v.builtChain = v.builtChain.map(redact)
        v.issues = v.issues.map { i in
            var i = i
            i.detail = text(i.detail)
            i.missingIssuer = i.missingIssuer.map(text)
            i.missingIssuerKeyID = i.missingIssuerKeyID.map(hash)
            return i
        }
        chain.verdict = v
        chain.hostnameChecked = chain.hostnameChecked.map(hostOrAddress)
        chain.hostnameSource = chain.hostnameSource.map(text)
        chain.certificateMAC = chain.certificateMAC.map { MACAddress(bytes: mac(Self.ethernet($0)).bytes) }
        chain.frameMAC = chain.frameMAC.map { MACAddress(bytes: mac(Self.ethernet($0)).bytes) }
        chain.acceptableCANames = chain.acceptableCANames.map(text)
    }

    /// Collects the names of a certificate, so that free text mentioning them is rewritten too.
    func register(_ s: CertificateSummary) {
        for cn in [s.subjectCommonName, s.issuerCommonName].compactMap({ $0 }) where Self.looksLikeHost(cn) { _ = hostOrAddress(cn) }
        for san in s.subjectAltNames {
            switch san {
            case .dns(let n): _ = host(n)
            case .ip(let a): _ = hostOrAddress(a)
            case .email(let e): _ = email(e)
            default: break
            }
        }
        for m in DeviceIdentity.macAddresses(in: s) { _ = mac(Self.ethernet(m)) }
        _ = serial(s.serial)
    }

    func redact(_ input: CertificateSummary) -> CertificateSummary {
        var s = input
        s.der = Array(repeating: 0, count: s.der.count)
        s.sha256 = hash(s.sha256)
        s.sha1 = hash(s.sha1)
        s.subject = text(s.subject)
        s.issuer = text(s.issuer)
        s.subjectDER = redactName(s.subjectDER)
        s.issuerDER = redactName(s.issuerDER)
        s.subjectCommonName = s.subjectCommonName.map(text)
        s.issuerCommonName = s.issuerCommonName.map(text)
        s.serial = serial(s.serial)
        s.subjectAltNames = s.subjectAltNames.map { san in
            switch san {
            case .dns(let n): return .dns(host(n))
            case .ip(let a): return .ip(hostOrAddress(a))
            case .email(let e): return .email(email(e))
            case .uri(let u): return .uri(text(u))
            case .other(let o): return .other(text(o))
            }
        }
        s.subjectKeyIdentifier = s.subjectKeyIdentifier.map(hash)
        s.authorityKeyIdentifier = s.authorityKeyIdentifier.map(hash)
        return s
    }

    // MARK: - Pseudonyms

    public func address(_ a: IPAddress) -> IPAddress {
        if !a.isV6 {
            let v = UInt32(truncatingIfNeeded: a.low)
            if v4Made.contains(v) { return a }
            if let p = v4[v] { return IPAddress(v4: p) }
            let n = UInt32(v4.count + 1)
            let p: UInt32
            switch n {
            case 1...254: p = 0xC000_0200 | n                        // 192.0.2.n
            case 255...508: p = 0xC633_6400 | (n - 254)               // 198.51.100.n
            case 509...762: p = 0xCB00_7100 | (n - 508)               // 203.0.113.n
            default: p = 0xC612_0000 &+ (n - 762)                     // 198.18.0.0/15
            }
            v4[v] = p; v4Made.insert(p)
            return IPAddress(v4: p)
        }
        if v6Made.contains(a) { return a }
        if let p = v6[a] { return p }
        let p = IPAddress(v6High: 0x2001_0db8_0000_0000, v6Low: UInt64(v6.count + 1))
        v6[a] = p; v6Made.insert(p)
        return p
    }

    public func mac(_ m: EthernetAddress) -> EthernetAddress {
        if m.isZero || macsMade.contains(m.value) { return m }
        if let p = macs[m.value] { return EthernetAddress(value: p) }
        let n = UInt64(macs.count + 1)
        let oui = m.value >> 24
        let keepOUI = m.bytes[0] & 0x02 == 0 && OUITable.vendor(forOUI: String(m.description.prefix(8))) != nil
        let p = keepOUI ? (oui << 24 | (n & 0xff_ffff)) : (0x02_00_00_00_00_00 | (n & 0xff_ffff))
        macs[m.value] = p; macsMade.insert(p)
        return EthernetAddress(value: p)
    }

    /// A host name's pseudonym (labels left of the registrable part → host-N, the last two → site-N.example).
    public func host(_ raw: String) -> String {
        let name = raw.lowercased()
        if namesMade.contains(name) { return name }
        if let p = knownNames[name] { return p }
        if let ip = Self.parseAddress(name) { return address(ip).description }
        var parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1, parts.last == "" { parts.removeLast() }
        let pseudo: String
        if parts.count == 1 {
            pseudo = label(parts[0])
        } else {
            let siteKey = parts.suffix(2).joined(separator: ".")
            let site: String
            if let s = sites[siteKey] { site = s } else { site = "site-\(sites.count + 1).example"; sites[siteKey] = site }
            pseudo = (parts.dropLast(2).map(label) + [site]).joined(separator: ".")
        }
        knownNames[name] = pseudo
        namesMade.insert(pseudo)
        if !name.utf8.allSatisfy(Self.isHostByte) || parts.count == 1 {
            // Found by exact search in free text (the scanner only recognises regular, dotted names).
            if parts.count > 1 || name.utf8.count >= 6 || name.utf8.contains(where: { $0 == 0x2d || ($0 >= 0x30 && $0 <= 0x39) }) {
                irregularNames.append((name, pseudo))
                irregularNames.sort { $0.0.utf8.count > $1.0.utf8.count }
            }
        }
        return pseudo
    }

    private func label(_ l: String) -> String {
        if l == "*" || l.isEmpty { return l }
        if let p = labels[l] { return p }
        let p = "host-\(labels.count + 1)"
        labels[l] = p
        return p
    }

    /// A name that may be an address (SAN IP entries, SNI with an address in it).
    public func hostOrAddress(_ s: String) -> String {
        if let ip = Self.parseAddress(s) { return address(ip).description }
        return host(s)
    }

    func email(_ e: String) -> String {
        guard let at = e.lastIndex(of: "@") else { return host(e) }
        return user(String(e[..<at])) + "@" + hostOrAddress(String(e[e.index(after: at)...]))
    }

    private func user(_ u: String) -> String {
        if u.hasPrefix("user-"), namesMade.contains(u) { return u }
        if let p = users[u] { return p }
        let p = "user-\(users.count + 1)"
        users[u] = p; namesMade.insert(p)
        return p
    }

    public func serial(_ s: String) -> String {
        if s.isEmpty || serialsMade.contains(s) { return s }
        if let p = serials[s.lowercased()] { return p }
        let p = "serial-\(serials.count + 1)"
        serials[s.lowercased()] = p; serialsMade.insert(p)
        return p
    }

    /// Fingerprints and key identifiers: a counter in hex of the same length.
    public func hash(_ h: String) -> String {
        let key = h.lowercased().filter { $0 != ":" }
        if key.isEmpty || hashesMade.contains(key) { return h }
        if let p = hashes[key] { return p }
        let n = String(hashes.count + 1, radix: 16)
        let p = String(repeating: "0", count: max(0, key.count - n.count)) + n
        hashes[key] = p; hashesMade.insert(p)
        return p
    }

    // MARK: - Free text

    /// Rewrites a free-text string: known names and serials, and anything shaped like an address,
    /// a MAC, user@host, or a fingerprint. Idempotent (pseudonyms are left alone).
    public func text(_ s: String) -> String {
        if s.isEmpty { return s }
        var t = s
        for (real, pseudo) in irregularNames { t = Self.replace(real, with: pseudo, in: t) }
        var u = Array(t.utf8)
        u = scanEmails(u)
        u = scanMACs(u)
        u = scanIPv6(u)
        u = scanIPv4(u)
        u = scanHosts(u)
        u = scanHex(u)
        u = scanSerials(u)
        return String(decoding: u, as: UTF8.self)
    }

    /// Bytes that may not be UTF-8 (plaintext previews): mapped byte-for-byte through Latin-1 so
    /// non-text bytes survive unchanged for the renderer's own escaping.
    func bytes(_ b: [UInt8]) -> [UInt8] {
        var s = ""
        for x in b { s.unicodeScalars.append(Unicode.Scalar(x)) }
        let r = text(s)
        return r.unicodeScalars.map { $0.value < 256 ? UInt8($0.value) : 0x3f }
    }

    static func ethernet(_ m: MACAddress) -> EthernetAddress {
        EthernetAddress(value: m.bytes.reduce(0) { $0 << 8 | UInt64($1) })
    }

    static func isHostByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b == 0x2d || b == 0x2e || b == 0x5f || b == 0x2a
    }
    static func isHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46) }
    static func isAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) }

    /// Host-name shape: no spaces, at least one dot, a letter in the last label.
    static func looksLikeHost(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count >= 3, u.count <= 253, u.contains(0x2e), !u.contains(0x20) else { return false }
        guard let lastDot = u.lastIndex(of: 0x2e), lastDot + 1 < u.count else { return false }
        return u[(lastDot + 1)...].contains { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x41 && $0 <= 0x5a) }
    }

    /// Replaces runs matched by `match` (a maximal run of bytes passing `inRun`).
    private func scanRuns(_ u: [UInt8], inRun: (UInt8) -> Bool, replace: ([UInt8], Int, Int, [UInt8]) -> [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            if inRun(u[i]) {
                var j = i
                while j < u.count && inRun(u[j]) { j += 1 }
                let run = Array(u[i..<j])
                if let r = replace(run, i, j, u) { out += r } else { out += run }
                i = j
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }

    private func scanEmails(_ u: [UInt8]) -> [UInt8] {
        guard u.contains(0x40) else { return u }
        func userByte(_ b: UInt8) -> Bool { Self.isAlnum(b) || b == 0x2e || b == 0x5f || b == 0x25 || b == 0x2b || b == 0x2d }
        func domainByte(_ b: UInt8) -> Bool { Self.isAlnum(b) || b == 0x2e || b == 0x2d || b == 0x5f }
        var out: [UInt8] = []
        var i = 0
        var copied = 0
        while i < u.count {
            if u[i] == 0x40 {
                var a = i
                while a > copied && userByte(u[a - 1]) { a -= 1 }
                var b = i + 1
                while b < u.count && domainByte(u[b]) { b += 1 }
                var domainEnd = b
                while domainEnd > i + 1 && u[domainEnd - 1] == 0x2e { domainEnd -= 1 }
                if a < i && domainEnd > i + 1 {
                    out += u[copied..<a]
                    let usr = String(decoding: u[a..<i], as: UTF8.self)
                    let dom = String(decoding: u[(i + 1)..<domainEnd], as: UTF8.self)
                    let domPseudo = (Self.parseAddress(dom) != nil || Self.looksLikeHost(dom) || knownNames[dom.lowercased()] != nil || namesMade.contains(dom))
                        ? hostOrAddress(dom) : dom
                    out += Array((user(usr) + "@" + domPseudo).utf8)
                    copied = domainEnd
                    i = domainEnd
                    continue
                }
            }
            i += 1
        }
        out += u[copied...]
        return out
    }

    private func scanMACs(_ u: [UInt8]) -> [UInt8] {
        var r = scanRuns(u, inRun: { Self.isHex($0) || $0 == 0x3a || $0 == 0x2d || $0 == 0x2e }) { run, _, _, _ in
            guard let (value, sep, upper) = Self.parseMAC(run) else { return nil }
            let m = mac(EthernetAddress(value: value))
            return Array(Self.formatMAC(m.value, separator: sep, upper: upper).utf8)
        }
        // Separator-less forms of MACs we know (device certificate CNs: "0022EE090045", "SEP0022EE090045").
        if macs.isEmpty { return r }
        var hexRun = 0, longest = 0
        for b in r { hexRun = Self.isHex(b) ? hexRun + 1 : 0; longest = max(longest, hexRun) }
        guard longest >= 12 else { return r }
        var s = String(decoding: r, as: UTF8.self)
        for (real, pseudo) in macs {
            for upper in [false, true] {
                s = Self.replace(Self.formatMAC(real, separator: nil, upper: upper),
                                 with: Self.formatMAC(pseudo, separator: nil, upper: upper), in: s, caseInsensitive: false)
            }
        }
        r = Array(s.utf8)
        return r
    }

    private func scanIPv6(_ u: [UInt8]) -> [UInt8] {
        scanRuns(u, inRun: { Self.isHex($0) || $0 == 0x3a || $0 == 0x2e }) { run, _, _, _ in
            var run = run
            var trailing: [UInt8] = []
            while let last = run.last, last == 0x2e || (last == 0x3a && !(run.count >= 2 && run[run.count - 2] == 0x3a)) {
                trailing.insert(last, at: 0); run.removeLast()
            }
            // "IP:fd00::5", "DNS:…": a label's colon joins the run; keep it out unless it starts "::".
            var leading: [UInt8] = []
            while run.count >= 2, run[0] == 0x3a, run[1] != 0x3a { leading.append(run.removeFirst()) }
            let colons = run.filter { $0 == 0x3a }.count
            guard colons >= 2 else { return nil }
            let s = String(decoding: run, as: UTF8.self)
            guard s.contains("::") || colons == 7, let ip = Self.parseIPv6(s) else { return nil }
            return leading + Array(address(ip).description.utf8) + trailing
        }
    }

    private func scanIPv4(_ u: [UInt8]) -> [UInt8] {
        scanRuns(u, inRun: { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e }) { run, start, _, all in
            var run = run
            var trailing: [UInt8] = []
            while let last = run.last, last == 0x2e { trailing.insert(last, at: 0); run.removeLast() }
            // Part of a larger alphanumeric token (a host name label like "10.0.0.5.nip.io" is still redacted by scanHosts).
            if start > 0, Self.isAlnum(all[start - 1]) || all[start - 1] == 0x2d { return nil }
            guard let v = Self.parseIPv4(String(decoding: run, as: UTF8.self)) else { return nil }
            return Array(address(IPAddress(v4: v)).description.utf8) + trailing
        }
    }

    private func scanHosts(_ u: [UInt8]) -> [UInt8] {
        scanRuns(u, inRun: Self.isHostByte) { run, _, _, _ in
            var run = run
            var trailing: [UInt8] = []
            while let last = run.last, last == 0x2e || last == 0x2d { trailing.insert(last, at: 0); run.removeLast() }
            var leading: [UInt8] = []
            while let first = run.first, first == 0x2e || first == 0x2d { leading.append(first); run.removeFirst() }
            guard !run.isEmpty else { return nil }
            let s = String(decoding: run, as: UTF8.self)
            let lower = s.lowercased()
            if namesMade.contains(lower) { return nil }
            if let p = knownNames[lower] { return leading + Array(p.utf8) + trailing }
            guard Self.looksLikeHost(s) else { return nil }
            let parts = lower.split(separator: ".")
            guard parts.count >= 2 else { return nil }
            let site = parts.suffix(2).joined(separator: ".")
            guard sites[site] != nil else { return nil }
            return leading + Array(host(s).utf8) + trailing
        }
    }

    /// 40- and 64-digit hex runs: fingerprints and key identifiers.
    private func scanHex(_ u: [UInt8]) -> [UInt8] {
        scanRuns(u, inRun: { Self.isHex($0) || $0 == 0x3a }) { run, _, _, _ in
            let digits = run.filter { $0 != 0x3a }
            let colons = run.count - digits.count
            guard digits.count == 40 || digits.count == 64, colons == 0 || colons == digits.count / 2 - 1 else { return nil }
            return Array(hash(String(decoding: run, as: UTF8.self)).utf8)
        }
    }

    /// Known serials: long ones anywhere as a whole hex token; short ones only after the word "serial".
    private func scanSerials(_ u: [UInt8]) -> [UInt8] {
        guard !serials.isEmpty else { return u }
        return scanRuns(u, inRun: { Self.isHex($0) || $0 == 0x3a }) { run, start, _, all in
            let key = String(decoding: run, as: UTF8.self).lowercased()
            guard let p = serials[key] else { return nil }
            if run.count >= 8 { return Array(p.utf8) }
            let before = String(decoding: all[max(0, start - 16)..<start], as: UTF8.self).lowercased()
            let trimmed = before.trimmingSuffix { $0 == " " || $0 == ":" || $0 == "=" || $0 == "#" }
            return trimmed.hasSuffix("serial") || trimmed.hasSuffix("serialnumber") || trimmed.hasSuffix("serial number") ? Array(p.utf8) : nil
        }
    }

    // MARK: - DER names (CertificateRequest authorities, subject/issuer DER)

    /// Rewrites the string values of a DER Name (SEQUENCE OF SET OF SEQUENCE { OID, value }) through the
    /// redactor. Anything it cannot walk becomes an empty Name: nothing unredacted can leak from it.
    public func redactName(_ der: [UInt8]) -> [UInt8] {
        guard let (tag, body, rest) = DER.read(der[...]), tag == 0x30, rest.isEmpty else { return [0x30, 0x00] }
        var rdns: [UInt8] = []
        var r = body
        while !r.isEmpty {
            guard let (setTag, setBody, next) = DER.read(r), setTag == 0x31 else { return [0x30, 0x00] }
            r = next
            var atvs: [UInt8] = []
            var s = setBody
            while !s.isEmpty {
                guard let (seqTag, seqBody, nextATV) = DER.read(s), seqTag == 0x30,
                      let (oidTag, oid, afterOID) = DER.read(seqBody), oidTag == 0x06,
                      let (valueTag, value, end) = DER.read(afterOID), end.isEmpty else { return [0x30, 0x00] }
                s = nextATV
                let text: String
                switch valueTag {
                case 0x1e:   // BMPString (UTF-16BE)
                    var units: [UInt16] = []
                    var k = value.startIndex
                    while k + 1 < value.endIndex { units.append(UInt16(value[k]) << 8 | UInt16(value[k + 1])); k += 2 }
                    text = String(decoding: units, as: UTF16.self)
                case 0x0c, 0x13, 0x16, 0x14, 0x12, 0x1a: text = String(decoding: value, as: UTF8.self)
                default:
                    atvs += DER.encode(0x30, DER.encode(0x06, Array(oid)) + DER.encode(valueTag, Array(value)))
                    continue
                }
                let oidBytes = Array(oid)
                let replaced: String
                if oidBytes == [0x55, 0x04, 0x03] { replaced = Self.looksLikeHost(text) ? hostOrAddress(text) : self.text(text) }
                else if oidBytes == [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] { replaced = email(text) }
                else if oidBytes == [0x55, 0x04, 0x05] { replaced = serial(text) }   // serialNumber attribute
                else { replaced = self.text(text) }
                let printable = replaced.utf8.allSatisfy { Self.isAlnum($0) || " '()+,-./:=?".utf8.contains($0) }
                let newTag: UInt8 = valueTag == 0x13 && printable ? 0x13 : (valueTag == 0x16 && replaced.utf8.allSatisfy { $0 < 0x80 } ? 0x16 : 0x0c)
                atvs += DER.encode(0x30, DER.encode(0x06, oidBytes) + DER.encode(newTag, Array(replaced.utf8)))
            }
            rdns += DER.encode(0x31, atvs)
        }
        return DER.encode(0x30, rdns)
    }

    // MARK: - Parsing helpers

    static func parseAddress(_ s: String) -> IPAddress? {
        if let v = parseIPv4(s) { return IPAddress(v4: v) }
        if s.contains(":") { return parseIPv6(s) }
        return nil
    }

    static func parseIPv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt32(p), n <= 255 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    static func parseIPv6(_ s: String) -> IPAddress? {
        var text = s
        var tail: [UInt16] = []
        // An embedded IPv4 tail (::ffff:10.0.0.5).
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v = parseIPv4(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = [UInt16(v >> 16), UInt16(v & 0xffff)]
            text = String(text[...lastColon]) + (text[..<lastColon].hasSuffix(":") ? "" : "0")
            if !text.hasSuffix("::") && text.hasSuffix(":0") { text.removeLast(2) }
        }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        var all: [UInt16]
        if let r = text.range(of: "::") {
            guard let head = groups(text[..<r.lowerBound]), let rest = groups(text[r.upperBound...]) else { return nil }
            let fill = 8 - head.count - rest.count - tail.count
            guard fill >= 1 else { return nil }
            all = head + Array(repeating: 0, count: fill) + rest + tail
        } else {
            guard let g = groups(Substring(text)) else { return nil }
            all = g + tail
        }
        guard all.count == 8 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<4 { high = high << 16 | UInt64(all[i]) }
        for i in 4..<8 { low = low << 16 | UInt64(all[i]) }
        return IPAddress(v6High: high, v6Low: low)
    }

    /// "00:22:ee:09:00:45", "00-22-EE-09-00-45", "0022.ee09.0045" → value, separator, upper-case.
    static func parseMAC(_ run: [UInt8]) -> (UInt64, UInt8?, Bool)? {
        var digits: [UInt8] = []
        var sep: UInt8?
        if run.count == 17 {
            sep = run[2]
            guard sep == 0x3a || sep == 0x2d else { return nil }
            for (i, b) in run.enumerated() {
                if i % 3 == 2 { guard b == sep else { return nil } } else { guard isHex(b) else { return nil }; digits.append(b) }
            }
        } else if run.count == 14 {
            sep = 0x2e
            for (i, b) in run.enumerated() {
                if i % 5 == 4 { guard b == 0x2e else { return nil } } else { guard isHex(b) else { return nil }; digits.append(b) }
            }
        } else { return nil }
        var v: UInt64 = 0
        for d in digits { v = v << 4 | UInt64(d <= 0x39 ? d - 0x30 : (d | 0x20) - 0x61 + 10) }
        let upper = digits.contains { $0 >= 0x41 && $0 <= 0x46 }
        return (v, sep, upper)
    }

    static func formatMAC(_ v: UInt64, separator: UInt8?, upper: Bool) -> String {
        let hex = (0..<12).map { i -> Character in
            let d = Int(v >> (44 - 4 * UInt64(i)) & 0xf)
            return Array(upper ? "0123456789ABCDEF" : "0123456789abcdef")[d]
        }
        guard let separator else { return String(hex) }
        var out = ""
        if separator == 0x2e {
            for (i, c) in hex.enumerated() { if i > 0 && i % 4 == 0 { out.append(".") }; out.append(c) }
        } else {
            for (i, c) in hex.enumerated() { if i > 0 && i % 2 == 0 { out.unicodeScalars.append(Unicode.Scalar(separator)) }; out.append(c) }
        }
        return out
    }

    /// Every occurrence of `target` (ASCII case-insensitive by default), left to right.
    static func replace(_ target: String, with replacement: String, in s: String, caseInsensitive: Bool = true) -> String {
        let t = Array(target.utf8)
        guard !t.isEmpty else { return s }
        let u = Array(s.utf8)
        guard u.count >= t.count else { return s }
        func fold(_ b: UInt8) -> UInt8 { caseInsensitive && b >= 0x41 && b <= 0x5a ? b | 0x20 : b }
        let tf = t.map(fold)
        var out: [UInt8] = []
        var i = 0
        var changed = false
        while i < u.count {
            if i + t.count <= u.count, fold(u[i]) == tf[0] {
                var k = 1
                while k < t.count && fold(u[i + k]) == tf[k] { k += 1 }
                if k == t.count {
                    out += Array(replacement.utf8); i += t.count; changed = true; continue
                }
            }
            out.append(u[i]); i += 1
        }
        return changed ? String(decoding: out, as: UTF8.self) : s
    }
}

private extension String {
    func trimmingSuffix(while pred: (Character) -> Bool) -> String {
        var s = self
        while let last = s.last, pred(last) { s.removeLast() }
        return s
    }
}

/// Minimal DER reading/writing for `Redactor.redactName`.
enum DER {
    /// (tag, contents, rest) of one TLV with a definite length; nil on anything malformed.
    static func read(_ b: ArraySlice<UInt8>) -> (UInt8, ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard b.count >= 2 else { return nil }
        let tag = b[b.startIndex]
        var i = b.startIndex + 1
        var len = Int(b[i]); i += 1
        if len & 0x80 != 0 {
            let n = len & 0x7f
            guard n >= 1, n <= 3, i + n <= b.endIndex else { return nil }
            len = 0
            for _ in 0..<n { len = len << 8 | Int(b[i]); i += 1 }
        }
        guard i + len <= b.endIndex else { return nil }
        return (tag, b[i..<(i + len)], b[(i + len)...])
    }

    static func encode(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        let n = body.count
        var out: [UInt8] = [tag]
        if n < 0x80 { out.append(UInt8(n)) }
        else if n < 0x100 { out += [0x81, UInt8(n)] }
        else if n < 0x10000 { out += [0x82, UInt8(n >> 8), UInt8(n & 0xff)] }
        else { out += [0x83, UInt8(n >> 16), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }
        return out + body
    }
}

/// Wraps a renderer: every connection and input passes through one `Redactor` first.
public final class RedactingRenderer: ReportRenderer {
    let inner: ReportRenderer
    public let redactor: Redactor
    public init(_ inner: ReportRenderer, redactor: Redactor = Redactor()) { self.inner = inner; self.redactor = redactor }
    public func begin() { inner.begin() }
    public func connection(_ ac: AnalyzedConnection) { inner.connection(redactor.redact(ac)) }
    public func finish(inputs: [InputResult]) { inner.finish(inputs: inputs.map(redactor.redact)) }
}
