import WireCore
import Connections
import X509Inspect
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The trust stores the peers have, as the engineer names them.
public struct TrustConfiguration: Sendable {
    /// What the TLS client (the device) trusts: `--client-trust` + `--ca`, or the system store.
    public var clientTrust: TrustStore
    /// True when the engineer named the client's trust store (verdicts against the system store are weaker evidence).
    public var clientTrustExplicit: Bool
    /// What the server trusts for client certificates: `--server-trust` + `--ca`; nil = not checked.
    public var serverTrust: TrustStore?
    /// `--at`: judge every chain at this time instead of the capture time ("would this fix it?").
    public var at: Timestamp?
    /// `--expect-host`: the name the device was configured with (when it dials an address, no SNI).
    public var expectHost: String?

    public init(clientTrust: TrustStore, clientTrustExplicit: Bool, serverTrust: TrustStore?, at: Timestamp? = nil,
                expectHost: String? = nil) {
        self.clientTrust = clientTrust; self.clientTrustExplicit = clientTrustExplicit
        self.serverTrust = serverTrust; self.at = at; self.expectHost = expectHost
    }
}

/// Decodes and judges the chains of a connection. Verdicts are cached per (chain, store, purpose,
/// hour of judgement): a capture with 20,000 connections to one server verifies its chain a few
/// times, not 20,000. No certificate from another connection is ever used to build a chain.
public final class CertificateAnalyzer {
    public let trust: TrustConfiguration
    let cache: CertificateCache
    /// Verdicts of chains not kept in `chains` (past its limit), by their fingerprints, store, purpose and hour.
    /// Chains kept there have theirs in `facts`.
    private var verdicts: [VerdictKey: ChainVerdict] = [:]
    /// Verdicts kept, in `verdicts` and in `facts` together: one limit for both, so the same verdicts are
    /// kept (and so reused) as when they were all in one dictionary.
    private var keptVerdicts = 0
    /// Host name results of leaves of chains not kept in `chains` (or with many names).
    private var hostnames: [HostnameKey: Bool] = [:]
    /// Chains already seen in this input, by their exact bytes: a repeated chain (20,000 connections to a
    /// few servers) costs one hash of its lengths and signature tails and one compare, instead of a cache
    /// lookup (hash, lock, copy) per certificate and a verdict key built from fingerprints each time.
    private var chains: [DERSequence: KnownChain] = [:]
    /// What was worked out for the chains kept in `chains`, by their number: read by index, without the
    /// hashing of a store label, a fingerprint or a host name per connection that dictionaries keyed by
    /// them cost (~1 K instructions per lookup, three lookups per connection with certificates).
    private var facts: [ChainFacts] = []
    /// RFC 4514 text of the acceptable-CA names of CertificateRequests, by DER (a few distinct names).
    private var caNames: [DERSequence: String?] = [:]

    private struct KnownChain {
        var sent: [SentCertificate]
        /// The fingerprint part of the verdict key ("sha256,sha256," or "x<length>," when undecodable).
        var key: String
        /// Its number in `chains` (and `facts`), or nil when it was not kept there.
        var number: Int?
        /// The leaf's SHA-256 when it was decoded (read here: reading it from the report copied the leaf's summary).
        var leafSHA256: String?
    }

    /// Results for one chain that depend on it and on a few small values, each list short (one store, one
    /// or two hours, a few names): compared one by one. The strings compared are mostly the very same
    /// string each time (the store's label, the CA names of `caNames`), which compare without reading bytes.
    private struct ChainFacts {
        struct Judged { var store: String; var purpose: ChainPurpose; var hour: Int64; var verdict: ChainVerdict }
        var verdicts: [Judged] = []
        var hostnames: [(name: String, matches: Bool)] = []
        /// `DeviceIdentity.macAddress(in:)` of the leaf, once looked for.
        var leafMAC: MACAddress?? = nil
        var caMatches: [(names: [String], matches: Bool)] = []
        /// Past these, results go to (or come from) the dictionaries, or are worked out each time.
        static let hostnameLimit = 16
        static let caMatchLimit = 8
    }

    private struct VerdictKey: Hashable {
        var fingerprints: String
        var store: String
        var purpose: ChainPurpose
        var hour: Int64
    }

    private struct HostnameKey: Hashable {
        /// The leaf's fingerprint, or "len<count>" when it could not be decoded.
        var leaf: String
        var name: String
    }

    public init(trust: TrustConfiguration, cache: CertificateCache) {
        self.trust = trust
        self.cache = cache
    }

    public func analyze(_ c: Connection) -> (server: ChainReport?, client: ChainReport?) {
        let at = trust.at ?? c.startTime
        var server: ChainReport?
        var client: ChainReport?
        if let cm = c.tls.serverCertificate, !cm.value.certificates.isEmpty {
            let known = knownChain(cm.value.certificates)
            var r = report(cm.value.certificates, known: known, sender: .server, frame: cm.frame, store: trust.clientTrust,
                           purpose: .serverAuth, at: at)
            let name = trust.expectHost ?? c.tls.serverName
            r.hostnameChecked = name
            r.hostnameSource = trust.expectHost != nil ? "--expect-host" : (c.tls.serverName != nil ? "SNI" : "no SNI sent")
            if let name, let leaf = cm.value.certificates.first {
                r.hostnameMatches = hostnameMatches(leaf: leaf, known: known, name: name)
            }
            server = r
        }
        if let cm = c.tls.clientCertificate, !cm.value.certificates.isEmpty {
            let known = knownChain(cm.value.certificates)
            var r = report(cm.value.certificates, known: known, sender: .client, frame: cm.frame, store: trust.serverTrust,
                           purpose: .clientAuth, at: at)
            r.certificateMAC = leafMAC(r, known: known)
            if let m = c.clientMAC, !m.isZero { r.frameMAC = MACAddress(bytes: m.bytes) }
            if let cr = c.tls.certificateRequest?.value, !cr.certificateAuthorities.isEmpty {
                let names = cr.certificateAuthorities.compactMap { der -> String? in
                    let k = DERSequence([der])
                    if let known = caNames[k] { return known }
                    let text = DistinguishedName.rfc4514(der: der)
                    if caNames.count < 1_000 { caNames[k] = text }
                    return text
                }
                r.acceptableCANames = names
                r.acceptableCAMatch = chainMentions(names, r, known: known)
            }
            client = r
        }
        return (server, client)
    }

    private func report(_ ders: [[UInt8]], known: KnownChain, sender: Side, frame: Int, store: TrustStore?,
                        purpose: ChainPurpose, at: Timestamp) -> ChainReport {
        ChainReport(sender: sender, frame: frame, certificates: known.sent,
                    verdict: verdict(ders, known: known, store: store?.label ?? "-", trustStore: store, purpose: purpose, at: at),
                    judgedAt: at, hostnameChecked: nil, hostnameSource: nil, hostnameMatches: nil, certificateMAC: nil,
                    frameMAC: nil, acceptableCAMatch: nil, acceptableCANames: [])
    }

    /// The verdict for (chain, store, purpose, hour): the first one worked out for it, while fewer than 10,000
    /// are kept.
    private func verdict(_ ders: [[UInt8]], known: KnownChain, store label: String, trustStore: TrustStore?,
                         purpose: ChainPurpose, at: Timestamp) -> ChainVerdict {
        let hour = at.seconds / 3600
        if let n = known.number {
            for j in facts[n].verdicts where j.hour == hour && j.purpose == purpose && j.store == label { return j.verdict }
        } else if let v = verdicts[VerdictKey(fingerprints: known.key, store: label, purpose: purpose, hour: hour)] {
            return v
        }
        let v = ChainVerifier.verify(chain: ders, store: trustStore, at: at, purpose: purpose, cache: cache)
        if keptVerdicts < 10_000 {
            keptVerdicts += 1
            if let n = known.number {
                facts[n].verdicts.append(ChainFacts.Judged(store: label, purpose: purpose, hour: hour, verdict: v))
            } else {
                verdicts[VerdictKey(fingerprints: known.key, store: label, purpose: purpose, hour: hour)] = v
            }
        }
        return v
    }

    /// Does the leaf cover `name`? The answer depends on the leaf's bytes and the name only.
    private func hostnameMatches(leaf: [UInt8], known: KnownChain, name: String) -> Bool {
        // Undecodable leaves are keyed by their length below, as they always were.
        if let n = known.number, known.leafSHA256 != nil {
            for h in facts[n].hostnames where h.name == name { return h.matches }
            if facts[n].hostnames.count < ChainFacts.hostnameLimit {
                let m = HostnameCheck.matches(der: leaf, name: name, cache: cache)
                facts[n].hostnames.append((name, m))
                return m
            }
        }
        let key = HostnameKey(leaf: known.leafSHA256 ?? "len\(leaf.count)", name: name)
        if let m = hostnames[key] { return m }
        // The shared cache holds OpenSSL's parse of the leaf already (it was decoded for the report):
        // without it each check parsed the certificate again (~1.5 M instructions).
        let m = HostnameCheck.matches(der: leaf, name: name, cache: cache)
        if hostnames.count < 10_000 { hostnames[key] = m }
        return m
    }

    /// The MAC address in the device certificate (its leaf), looked for once per chain.
    private func leafMAC(_ r: ChainReport, known: KnownChain) -> MACAddress? {
        guard let n = known.number else { return r.leaf.flatMap { DeviceIdentity.macAddress(in: $0) } }
        if let found = facts[n].leafMAC { return found }
        let found = r.leaf.flatMap { DeviceIdentity.macAddress(in: $0) }
        facts[n].leafMAC = .some(found)
        return found
    }

    /// Whether the chain names one of the acceptable CAs: depends on the chain and the names only.
    private func chainMentions(_ names: [String], _ r: ChainReport, known: KnownChain) -> Bool {
        if let n = known.number {
            for m in facts[n].caMatches where m.names == names { return m.matches }
        }
        let m = DistinguishedName.chainMentions(issuerNames: names, chain: r.certificates.compactMap(\.summary))
        if let n = known.number, facts[n].caMatches.count < ChainFacts.caMatchLimit { facts[n].caMatches.append((names, m)) }
        return m
    }

    /// The chain's certificates, decoded once per distinct chain (through the shared cache).
    private func knownChain(_ ders: [[UInt8]]) -> KnownChain {
        let k = DERSequence(ders)
        if let hit = chains[k] { return hit }
        var sent: [SentCertificate] = []
        var key = ""
        for der in ders {
            switch cache.summary(for: der) {
            case .success(let s):
                sent.append(SentCertificate(der: der, summary: s, decodeError: nil))
                key += s.sha256
            case .failure(let e):
                sent.append(SentCertificate(der: der, summary: nil, decodeError: e.description))
                key += "x\(der.count)"
            }
            key += ","
        }
        var known = KnownChain(sent: sent, key: key, number: nil, leafSHA256: sent.first?.summary?.sha256)
        if chains.count < 2_000 {
            known.number = chains.count
            chains[k] = known
            facts.append(ChainFacts())
        }
        return known
    }
}

/// DER byte strings as a dictionary key: equal only when every byte is equal; hashed on a sample, so a
/// lookup does not hash kilobytes: the lengths and the last 16 bytes of each (a certificate ends in its
/// signature, as good as random). The sample used to be the first and last 32 bytes fed to the hasher
/// byte by byte: ~1.8 K instructions per lookup on the 20,000-connection bench, now ~0.3 K.
struct DERSequence: Hashable {
    let items: [[UInt8]]
    init(_ items: [[UInt8]]) { self.items = items }

    func hash(into hasher: inout Hasher) {
        hasher.combine(items.count)
        for d in items {
            hasher.combine(d.count)
            d.withUnsafeBytes { b in
                if b.count >= 16 {
                    hasher.combine(b.loadUnaligned(fromByteOffset: b.count - 16, as: UInt64.self))
                    hasher.combine(b.loadUnaligned(fromByteOffset: b.count - 8, as: UInt64.self))
                } else {
                    hasher.combine(bytes: b)
                }
            }
        }
    }

    static func == (a: DERSequence, b: DERSequence) -> Bool {
        guard a.items.count == b.items.count else { return false }
        for (x, y) in zip(a.items, b.items) {
            guard x.count == y.count else { return false }
            let same = x.withUnsafeBytes { p in y.withUnsafeBytes { q in
                p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0   // non-empty: both have storage
            } }
            if !same { return false }
        }
        return true
    }
}
