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
/// diagnosing a connection. The `Diagnoser` moves the connection in and takes it back after the last rule,
/// so diagnosing a connection copies it not at all.
public struct RuleContext: Sendable {
    /// The connection in storage of its own, so it can be read in place and moved out again. Written by
    /// `init` and moved out by `takeAnalyzed()` only, when no other copy of the context holds it (checked):
    /// rules only ever read it.
    private final class Subject: @unchecked Sendable {
        let storage: UnsafeMutablePointer<AnalyzedConnection>
        var taken = false
        init(_ analyzed: consuming AnalyzedConnection) {
            storage = .allocate(capacity: 1)
            storage.initialize(to: consume analyzed)
        }
        deinit {
            if !taken { storage.deinitialize(count: 1) }
            storage.deallocate()
        }
    }
    private var subject: Subject
    public var analyzed: AnalyzedConnection { _read { yield subject.storage.pointee } }
    public var connection: Connection { _read { yield subject.storage.pointee.connection } }
    public var profile: VendorProfile?
    public var trust: TrustConfiguration
    /// Findings of the rules evaluated before this one (catch-all rules read them).
    public var previous: [Finding] = []

    public init(analyzed: consuming AnalyzedConnection, profile: VendorProfile?, trust: TrustConfiguration) {
        self.subject = Subject(consume analyzed); self.profile = profile; self.trust = trust
    }

    /// The connection back, with these findings: moved out when this context is its only holder, copied
    /// otherwise. The context must not be read afterwards (the `Diagnoser` calls this last).
    mutating func takeAnalyzed(findings: [Finding]) -> AnalyzedConnection {
        if isKnownUniquelyReferenced(&subject) && !subject.taken {
            subject.taken = true
            subject.storage.pointee.findings = findings
            return subject.storage.move()
        }
        var ac = subject.storage.pointee
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
