import WireCore
import Connections

/// One rule of the catalogue: a small type with a stable ID that reads an analysed connection and
/// may conclude one finding. Rules never parse bytes; adding one touches no parser (see
/// Rules/README.md for how). Like swift-certificates' `VerifierPolicy`: small, composable values.
public protocol DiagnosisRule: Sendable {
    /// The stable ID from DESIGN.md.
    var id: RuleID { get }
    /// The severity its findings normally carry.
    var severity: Severity { get }
    /// One line for `tlsdiag rules`.
    var summary: String { get }
    /// The full description for `tlsdiag explain`: what it means, usual causes, fixes.
    var details: String { get }
    /// Lower ranks explain more: when several findings apply, the lowest-ranked error leads.
    var rank: Int { get }
    func evaluate(_ context: RuleContext) -> Finding?
}

/// What a rule sees: the analysed connection, the applicable vendor profile, and the options.
///
/// The connection is held by reference and read in place (`_read`): a `Connection` is a large value, and
/// the catalogue's thirty-odd rules each copying it (and retaining every array in it) was a third of
/// diagnosing a connection. It is a `let` of a class on purpose: the compiler knows it cannot change while
/// a rule reads it, so it passes parts of it along without copying them (storage behind a pointer, which
/// would let the connection be moved out again, made it copy the TLS summary in several rules).
/// The profile and the options are in that class too: the context is two words, passed to each rule in
/// registers (with them inline it was copied into a temporary for each of the thirty-odd calls, and held
/// inline, the connection was moved by memcpy for each).
public struct RuleContext: Sendable {
    private final class Subject: Sendable {
        let analyzed: AnalyzedConnection
        /// The analysed connection's own box, so the connection is a `let` of a class here too: read through
        /// `AnalyzedConnection`'s accessor (a coroutine inside a coroutine), three rules copied the TLS
        /// summary for every connection (62 M instructions on the 1 GB bench).
        let parts: AnalyzedConnection.Parts
        let profile: VendorProfile?
        let trust: TrustConfiguration
        init(_ analyzed: consuming AnalyzedConnection, profile: VendorProfile?, trust: TrustConfiguration) {
            self.parts = analyzed.parts
            self.analyzed = consume analyzed; self.profile = profile; self.trust = trust
        }
    }
    private let subject: Subject
    public var analyzed: AnalyzedConnection { _read { yield subject.analyzed } }
    public var connection: Connection { _read { yield subject.parts.connection } }
    /// `connection.tls`, read in place too (a getter returning it copied the large summary at every use).
    var tls: TLSSummary { _read { yield subject.parts.connection.tls } }
    public var profile: VendorProfile? { _read { yield subject.profile } }
    public var trust: TrustConfiguration { _read { yield subject.trust } }
    /// Findings of the rules evaluated before this one (catch-all rules read them).
    public var previous: [Finding] = []

    public init(analyzed: consuming AnalyzedConnection, profile: VendorProfile?, trust: TrustConfiguration) {
        self.subject = Subject(consume analyzed, profile: profile, trust: trust)
    }

    /// The connection back, with its profile's name and these findings (one copy: the rules' reads cost none).
    func analyzed(profileName: String?, findings: [Finding]) -> AnalyzedConnection {
        var ac = subject.analyzed
        ac.profile = profileName
        ac.findings = findings
        return ac
    }

    /// Remediation in the vendor's own words when the profile has them for this rule, else the generic text.
    public func remediation(_ rule: RuleID, generic: String, values: [String: String] = [:]) -> String {
        guard let p = profile, let text = p.remediation[rule.rawValue] else { return generic }
        var out = text
        for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
        return generic + "\n" + p.displayName + ": " + out
    }
}

extension String {
    /// Foundation-free replacement (Diagnosis does not import Foundation).
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        let t = Array(target.utf8)
        let u = self.utf8
        var i = u.startIndex
        while i != u.endIndex {
            var j = i
            var k = 0
            while k < t.count, j != u.endIndex, u[j] == t[k] { j = u.index(after: j); k += 1 }
            if k == t.count { return i..<j }
            i = u.index(after: i)
        }
        return nil
    }
}
