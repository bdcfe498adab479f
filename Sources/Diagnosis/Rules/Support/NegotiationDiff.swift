import WireCore
import TLSWire
import Connections

/// What the client offered against what the server chose or refused, by name: the evidence for
/// version and cipher failures, and which side to change.
enum NegotiationDiff {
    /// What the offer evidence is made of: the hello's lists. A capture's failing clients repeat a few
    /// hellos, and naming every suite, group and algorithm cost ~40 K instructions per finding.
    struct Offer: Hashable {
        var legacyVersion: ProtocolVersion
        var supportedVersions: [ProtocolVersion]
        var cipherSuites: [CipherSuite]
        var supportedGroups: [NamedGroup]
        var signatureAlgorithms: [SignatureScheme]

        init(_ ch: ClientHello) {
            legacyVersion = ch.legacyVersion; supportedVersions = ch.supportedVersions; cipherSuites = ch.cipherSuites
            supportedGroups = ch.supportedGroups; signatureAlgorithms = ch.signatureAlgorithms
        }
    }

    static let offers = TextMemo<Offer, [Evidence]>(limit: 1_000)

    static func offered(_ ch: ClientHello) -> [Evidence] { offers.value(for: Offer(ch), make: evidence) }

    static func evidence(_ offer: Offer) -> [Evidence] {
        var versions = ClientHello()
        versions.legacyVersion = offer.legacyVersion
        versions.supportedVersions = offer.supportedVersions
        var e: [Evidence] = []
        e.reserveCapacity(4)
        e.append(Evidence("client offered versions", Text.join(versions.offeredVersions.map(\.description), separator: ", ")))
        let suites = offer.cipherSuites.filter { !$0.isGREASE && !$0.isSignalling }
        e.append(Evidence("client offered \(suites.count) cipher suites", Text.join(suites.map(\.description), separator: ", ")))
        let groups = offer.supportedGroups.filter { !$0.isGREASE }
        if !groups.isEmpty { e.append(Evidence("client offered groups", Text.join(groups.map(\.description), separator: ", "))) }
        let sigs = offer.signatureAlgorithms.filter { !$0.isGREASE }
        if !sigs.isEmpty { e.append(Evidence("client offered signature algorithms", Text.join(sigs.map(\.description), separator: ", "))) }
        return e
    }

    static func chosen(_ sh: ServerHello) -> [Evidence] {
        [Evidence("server chose", "\(sh.negotiatedVersion), \(sh.cipherSuite)" + (sh.keyShareGroup.map { ", \($0)" } ?? ""))]
    }

    /// Suites the client offered that are only for older versions or weak: helps say "the device offers only legacy suites".
    /// Lazily: it stops at the first modern suite (usually the first offered) instead of looking up every one.
    static func legacyOnly(_ ch: ClientHello) -> Bool {
        let suites = ch.cipherSuites.lazy.compactMap(\.info).filter { !$0.name.isEmpty && !$0.keyExchange.isEmpty || $0.tls13Only }
        guard !suites.isEmpty else { return false }
        return suites.allSatisfy { !$0.forwardSecret || !$0.weaknesses.isEmpty || $0.encryption.hasSuffix("CBC") }
    }
}
