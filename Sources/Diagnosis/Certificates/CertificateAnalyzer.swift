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
    /// Verdicts by chain, store, purpose and hour: most connections repeat a chain, and building a text
    /// key of fingerprints per connection cost more than the lookup.
    private var verdicts: [VerdictKey: ChainVerdict] = [:]
    private var hostnames: [HostnameKey: Bool] = [:]
    /// Chains already seen in this input, by their exact bytes: a repeated chain (20,000 connections to a
    /// few servers) costs one hash of a sample of its bytes and one compare, instead of a cache lookup
    /// (hash, lock, copy) per certificate and a verdict key built from fingerprints each time.
    private var chains: [DERSequence: KnownChain] = [:]
    /// RFC 4514 text of the acceptable-CA names of CertificateRequests, by DER (a few distinct names).
    private var caNames: [DERSequence: String?] = [:]

    private struct KnownChain {
        var sent: [SentCertificate]
        /// The fingerprint part of the verdict key ("sha256,sha256," or "x<length>," when undecodable).
        var key: String
        /// Its number in `chains`, or nil when it was not kept there.
        var number: Int?
    }

    private struct VerdictKey: Hashable {
        /// A chain kept in `chains` by its number; one past that table's limit by its fingerprints.
        enum Chain: Hashable { case number(Int), fingerprints(String) }
        var chain: Chain
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
            var r = report(cm.value.certificates, sender: .server, frame: cm.frame, store: trust.clientTrust,
                           purpose: .serverAuth, at: at)
            let name = trust.expectHost ?? c.tls.serverName
            r.hostnameChecked = name
            r.hostnameSource = trust.expectHost != nil ? "--expect-host" : (c.tls.serverName != nil ? "SNI" : "no SNI sent")
            if let name, let leaf = cm.value.certificates.first {
                let key = HostnameKey(leaf: r.leaf?.sha256 ?? "len\(leaf.count)", name: name)
                if let m = hostnames[key] { r.hostnameMatches = m } else {
                    let m = HostnameCheck.matches(der: leaf, name: name)
                    if hostnames.count < 10_000 { hostnames[key] = m }
                    r.hostnameMatches = m
                }
            }
            server = r
        }
        if let cm = c.tls.clientCertificate, !cm.value.certificates.isEmpty {
            var r = report(cm.value.certificates, sender: .client, frame: cm.frame, store: trust.serverTrust,
                           purpose: .clientAuth, at: at)
            if let leaf = r.leaf { r.certificateMAC = DeviceIdentity.macAddress(in: leaf) }
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
                r.acceptableCAMatch = DistinguishedName.chainMentions(issuerNames: names, chain: r.certificates.compactMap(\.summary))
            }
            client = r
        }
        return (server, client)
    }

    private func report(_ ders: [[UInt8]], sender: Side, frame: Int, store: TrustStore?, purpose: ChainPurpose,
                        at: Timestamp) -> ChainReport {
        let known = knownChain(ders)
        let key = VerdictKey(chain: known.number.map { .number($0) } ?? .fingerprints(known.key),
                             store: store?.label ?? "-", purpose: purpose, hour: at.seconds / 3600)
        let verdict: ChainVerdict
        if let v = verdicts[key] {
            verdict = v
        } else {
            verdict = ChainVerifier.verify(chain: ders, store: store, at: at, purpose: purpose, cache: cache)
            if verdicts.count < 10_000 { verdicts[key] = verdict }
        }
        return ChainReport(sender: sender, frame: frame, certificates: known.sent, verdict: verdict, judgedAt: at,
                           hostnameChecked: nil, hostnameSource: nil, hostnameMatches: nil, certificateMAC: nil,
                           frameMAC: nil, acceptableCAMatch: nil, acceptableCANames: [])
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
        var known = KnownChain(sent: sent, key: key, number: nil)
        if chains.count < 2_000 {
            known.number = chains.count
            chains[k] = known
        }
        return known
    }
}

/// DER byte strings as a dictionary key: equal only when every byte is equal; hashed on a sample
/// (lengths, the first and last 32 bytes of each: certificates differ in their signatures at the
/// end), so a lookup does not hash kilobytes.
struct DERSequence: Hashable {
    let items: [[UInt8]]
    init(_ items: [[UInt8]]) { self.items = items }

    func hash(into hasher: inout Hasher) {
        hasher.combine(items.count)
        for d in items {
            hasher.combine(d.count)
            d.withUnsafeBytes { b in
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: b.prefix(32)))
                hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: b.suffix(32)))
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
