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
/// diagnosing a connection.
public struct RuleContext: Sendable {
    private final class Subject: Sendable {
        let analyzed: AnalyzedConnection
        init(_ analyzed: AnalyzedConnection) { self.analyzed = analyzed }
    }
    private let subject: Subject
    public var analyzed: AnalyzedConnection { _read { yield subject.analyzed } }
    public var connection: Connection { _read { yield subject.analyzed.connection } }
    public var profile: VendorProfile?
    public var trust: TrustConfiguration
    /// Findings of the rules evaluated before this one (catch-all rules read them).
    public var previous: [Finding] = []

    public init(analyzed: AnalyzedConnection, profile: VendorProfile?, trust: TrustConfiguration) {
        self.subject = Subject(analyzed); self.profile = profile; self.trust = trust
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
