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

    public func diagnose(_ input: AnalyzedConnection) -> AnalyzedConnection {
        var ac = input
        let profile = profile(for: ac)
        ac.profile = profile?.name
        var context = RuleContext(analyzed: ac, profile: profile, trust: trust)
        var found: [(finding: Finding, rank: Int)] = []
        for rule in rules {
            if let f = rule.evaluate(context) {
                found.append((f, rule.rank))
                context.previous.append(f)
            }
        }
        ac.findings = Self.order(found)
        Self.lowerConfidenceForCaptureProblems(&ac.findings)
        return ac
    }

    static func order(_ found: [(finding: Finding, rank: Int)]) -> [Finding] {
        func group(_ f: Finding) -> Int {
            switch f.severity {
            case .error: return f.followsFrom == nil ? 0 : 1
            case .warning: return 2
            case .info: return 3
            }
        }
        return found.sorted { a, b in
            let ga = group(a.finding), gb = group(b.finding)
            return ga != gb ? ga < gb : (a.rank != b.rank ? a.rank < b.rank : a.finding.rule < b.finding.rule)
        }.map(\.finding)
    }

    static let captureQuality: Set<RuleID> = [.captureGap, .captureOneSided, .captureMidstream, .captureSnaplenTruncated]

    /// Gaps, one-sided and mid-stream captures and snaplen cuts weaken what the rest is based on.
    static func lowerConfidenceForCaptureProblems(_ findings: inout [Finding]) {
        let problems = findings.filter { captureQuality.contains($0.rule) }
        guard !problems.isEmpty else { return }
        let note = "Lowered because the capture is imperfect: " + problems.map { $0.title }.joined(separator: "; ") + "."
        for i in findings.indices where !captureQuality.contains(findings[i].rule) {
            findings[i].confidence = findings[i].confidence.lowered
            findings[i].confidenceNote = note
        }
    }
}
