import WireCore
import Connections

/// Runs the catalogue over an analysed connection and orders what it finds: the finding that
/// explains the outcome first, its consequences after it, then warnings, then information.
public struct Diagnoser: Sendable {
    public var rules: [any DiagnosisRule]
    public var profiles: [VendorProfile]
    /// `--profile NAME`: apply this profile to every connection.
    public var forcedProfile: VendorProfile?
    public var trust: TrustConfiguration

    public init(rules: [any DiagnosisRule] = Catalogue.all, profiles: [VendorProfile], forcedProfile: VendorProfile? = nil,
                trust: TrustConfiguration) {
        self.rules = rules; self.profiles = profiles; self.forcedProfile = forcedProfile; self.trust = trust
    }

    public func profile(for ac: AnalyzedConnection) -> VendorProfile? {
        if let p = forcedProfile { return p }
        let mac = ac.connection.clientMAC.flatMap { $0.isZero ? nil : $0 }
        let issuer = ac.clientChain?.leaf?.issuer
        return profiles.first { $0.applies(clientMAC: mac, clientCertificateIssuer: issuer) }
    }

    /// Takes the connection by value and hands it back with its profile and findings. The rules read it in
    /// place (see RuleContext); the compiler still copies it twice here (into and back out of the context's
    /// box, 40,000 copies on the 20,000-connection bench), which three rewrites failed to remove.
    public func diagnose(_ input: consuming AnalyzedConnection) -> AnalyzedConnection {
        let profile = profile(for: input)
        var context = RuleContext(analyzed: consume input, profile: profile, trust: trust)
        // Ranks of the findings in `context.previous`, in the same order.
        var ranks: [Int] = []
        // Indexing calls each rule where the array holds it (`for rule in rules` copied every existential).
        for i in rules.indices {
            if let f = rules[i].evaluate(context) {
                ranks.append(rules[i].rank)
                context.previous.append(f)
            }
        }
        var findings = context.previous
        context.previous = []
        Self.order(&findings, ranks: ranks)
        Self.lowerConfidenceForCaptureProblems(&findings)
        return context.analyzed(profileName: profile?.name, findings: findings)
    }

    /// Sort key: root causes (errors that follow from nothing), consequences, warnings, information.
    private static func group(_ f: Finding) -> Int {
        switch f.severity {
        case .error: return f.followsFrom == nil ? 0 : 1
        case .warning: return 2
        case .info: return 3
        }
    }

    static func precedes(_ a: Finding, _ ra: Int, _ b: Finding, _ rb: Int) -> Bool {
        let ga = group(a), gb = group(b)
        return ga != gb ? ga < gb : (ra != rb ? ra < rb : a.rule < b.rule)
    }

    static func order(_ found: [(finding: Finding, rank: Int)]) -> [Finding] {
        var findings = found.map(\.finding)
        order(&findings, ranks: found.map(\.rank))
        return findings
    }

    /// Orders findings (with their rules' ranks, index for index) in place. A connection has a handful:
    /// an insertion sort, with nothing to do for the usual one. Every pair is strictly ordered (a rule
    /// finds once), so any sort gives the same order.
    static func order(_ findings: inout [Finding], ranks: [Int]) {
        guard findings.count > 1 else { return }
        var ranks = ranks
        for i in 1..<findings.count {
            var j = i
            while j > 0 && precedes(findings[j], ranks[j], findings[j - 1], ranks[j - 1]) {
                findings.swapAt(j, j - 1)
                ranks.swapAt(j, j - 1)
                j -= 1
            }
        }
    }

    static let captureQuality: Set<RuleID> = [.captureGap, .captureOneSided, .captureMidstream, .captureSnaplenTruncated]

    /// `captureQuality.contains(rule)` without hashing the ID (compared once per finding of every connection).
    static func isCaptureQuality(_ rule: RuleID) -> Bool {
        rule == .captureGap || rule == .captureOneSided || rule == .captureMidstream || rule == .captureSnaplenTruncated
    }

    /// Gaps, one-sided and mid-stream captures and snaplen cuts weaken what the rest is based on.
    static func lowerConfidenceForCaptureProblems(_ findings: inout [Finding]) {
        guard findings.contains(where: { isCaptureQuality($0.rule) }) else { return }
        let problems = findings.filter { isCaptureQuality($0.rule) }
        let note = "Lowered because the capture is imperfect: " + problems.map { $0.title }.joined(separator: "; ") + "."
        for i in findings.indices where !isCaptureQuality(findings[i].rule) {
            findings[i].confidence = findings[i].confidence.lowered
            findings[i].confidenceNote = note
        }
    }
}
