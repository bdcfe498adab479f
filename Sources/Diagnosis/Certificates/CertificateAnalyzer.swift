import WireCore
import Connections
import X509Inspect

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
    private var verdicts: [String: ChainVerdict] = [:]
    private var hostnames: [String: Bool] = [:]

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
                let key = (r.leaf?.sha256 ?? "len\(leaf.count)") + "|" + name
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
                let names = cr.certificateAuthorities.compactMap { DistinguishedName.rfc4514(der: $0) }
                r.acceptableCANames = names
                r.acceptableCAMatch = DistinguishedName.chainMentions(issuerNames: names, chain: r.certificates.compactMap(\.summary))
            }
            client = r
        }
        return (server, client)
    }

    private func report(_ ders: [[UInt8]], sender: Side, frame: Int, store: TrustStore?, purpose: ChainPurpose,
                        at: Timestamp) -> ChainReport {
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
        key += "|\(store?.label ?? "-")|\(purpose)|\(at.seconds / 3600)"
        let verdict: ChainVerdict
        if let v = verdicts[key] {
            verdict = v
        } else {
            verdict = ChainVerifier.verify(chain: ders, store: store, at: at, purpose: purpose, cache: cache)
            if verdicts.count < 10_000 { verdicts[key] = verdict }
        }
        return ChainReport(sender: sender, frame: frame, certificates: sent, verdict: verdict, judgedAt: at,
                           hostnameChecked: nil, hostnameSource: nil, hostnameMatches: nil, certificateMAC: nil,
                           frameMAC: nil, acceptableCAMatch: nil, acceptableCANames: [])
    }
}
