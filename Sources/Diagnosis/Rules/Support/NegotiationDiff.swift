import WireCore
import TLSWire
import Connections

/// What the client offered against what the server chose or refused, by name: the evidence for
/// version and cipher failures, and which side to change.
enum NegotiationDiff {
    static func offered(_ ch: ClientHello) -> [Evidence] {
        var e: [Evidence] = []
        e.reserveCapacity(4)
        e.append(Evidence("client offered versions", Text.join(ch.offeredVersions.map(\.description), separator: ", ")))
        let suites = ch.cipherSuites.filter { !$0.isGREASE && !$0.isSignalling }
        e.append(Evidence("client offered \(suites.count) cipher suites", Text.join(suites.map(\.description), separator: ", ")))
        let groups = ch.supportedGroups.filter { !$0.isGREASE }
        if !groups.isEmpty { e.append(Evidence("client offered groups", Text.join(groups.map(\.description), separator: ", "))) }
        let sigs = ch.signatureAlgorithms.filter { !$0.isGREASE }
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
