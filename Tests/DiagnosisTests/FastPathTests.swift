import Testing
import WireCore
import TLSWire
import Connections
import TestSupport
@testable import Diagnosis

/// The diagnosis runs for every connection of a capture, so its hot spots have fast versions of slower,
/// obviously right code. Each fast version is held here to the code it replaced, on random inputs
/// (seeded: a failure can be made again).
@Suite struct FastPathTests {
    /// Versions a ClientHello can offer: real ones, TLS 1.3 drafts, GREASE, unknown values.
    static let versions: [ProtocolVersion] = [
        .sslv2, .sslv3, .tls10, .tls11, .tls12, .tls13,
        ProtocolVersion(rawValue: 0x7f17), ProtocolVersion(rawValue: 0x7f1c), ProtocolVersion(rawValue: 0xfb1a),
        ProtocolVersion(rawValue: 0x0a0a), ProtocolVersion(rawValue: 0xdada), ProtocolVersion(rawValue: 0x1234),
    ]

    @Test func highestOfferedIsHighestVersionForAnyOffer() {
        var rng = SplitMix64(seed: 0xD1A6)
        for _ in 0..<5_000 {
            var hello = ClientHello()
            hello.legacyVersion = Self.versions.randomElement(using: &rng)!
            hello.supportedVersions = (0..<Int.random(in: 0...5, using: &rng)).map { _ in Self.versions.randomElement(using: &rng)! }
            #expect(hello.highestOffered == hello.highestVersion,
                    "legacy \(hello.legacyVersion.rawValue), supported \(hello.supportedVersions.map(\.rawValue))")
        }
    }

    @Test func sortedUniqueSortsAndDropsRepeats() {
        var rng = SplitMix64(seed: 0xF4A3E5)
        for _ in 0..<5_000 {
            let frames = (0..<Int.random(in: 0...9, using: &rng)).map { _ in Int.random(in: 1...12, using: &rng) }
            #expect(Finding.sortedUnique(frames) == Array(Set(frames)).sorted(), "\(frames)")
        }
        // Already in order: kept as given.
        #expect(Finding.sortedUnique([3, 8, 21]) == [3, 8, 21])
        #expect(Finding.sortedUnique([3, 3]) == [3])
    }

    @Test func failedAgreesWithIsFailureForEveryOutcome() {
        let outcomes: [Outcome] = [.established, .rejectedByClient, .rejectedByServer, .noServerHello, .reset, .closedByClient,
                                   .closedByServer, .incomplete, .notTLS, .tcpRefused, .tcpNoAnswer, .noData, .handshakeNotCaptured,
                                   Outcome(rawValue: "something_new")]
        for o in outcomes {
            #expect(RuleContext.failed(o) == o.isFailure, "\(o.rawValue)")
        }
    }

    /// The order the diagnoser used before: a full sort of (finding, rank) by group, rank, rule.
    static func referenceOrder(_ found: [(finding: Finding, rank: Int)]) -> [Finding] {
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

    @Test func orderPutsRootCausesFirstAsTheFullSortDid() {
        var rng = SplitMix64(seed: 0x0D3E)
        let rules = Catalogue.all
        for _ in 0..<2_000 {
            // Each rule finds at most once per connection: distinct rules, random severities and causes.
            let picked = rules.shuffled(using: &rng).prefix(Int.random(in: 0...7, using: &rng))
            let found: [(finding: Finding, rank: Int)] = picked.map { r in
                var f = Finding(rule: r.id, severity: Severity.allCases.randomElement(using: &rng)!, confidence: .high,
                                title: r.id.rawValue, explanation: "", remediation: "", frames: [])
                if Bool.random(using: &rng) { f.followsFrom = .fatalAlert }
                return (f, Bool.random(using: &rng) ? r.rank : Int.random(in: 0...3, using: &rng))
            }
            #expect(Diagnoser.order(found).map(\.rule) == Self.referenceOrder(found).map(\.rule))
        }
    }

    @Test func captureQualityTestMatchesTheSet() {
        for r in Catalogue.all {
            #expect(Diagnoser.isCaptureQuality(r.id) == Diagnoser.captureQuality.contains(r.id), "\(r.id)")
        }
    }

    @Test func textBuilderJoinsExactlyAsJoined() {
        let samples = ["", "a", "TLS 1.2", "CN=Grüße — ünïcödé, O=例え", "x", String(repeating: "long part ", count: 20), "🙂"]
        var rng = SplitMix64(seed: 0x7E47)
        for _ in 0..<1_000 {
            let parts = (0..<Int.random(in: 0...6, using: &rng)).map { _ in samples.randomElement(using: &rng)! }
            let joined = Text.join(parts, separator: ", ")
            #expect(joined == parts.joined(separator: ", "))
            #expect(Array(joined.utf8) == Array(parts.joined(separator: ", ").utf8))
        }
    }
}

@Suite struct TextTests {
    @Test func joinWritesPrefixPartsAndSuffix() {
        #expect(Text.join(["TLS 1.2", "no client certificate"], prefix: "Both (", separator: "; ", suffix: ").")
                == "Both (TLS 1.2; no client certificate).")
        #expect(Text.join([], prefix: "Handshake completed: ", separator: ", ") == "Handshake completed: ")
        #expect(Text.join([], separator: ", ") == "")
        #expect(Text.join(["", ""], separator: ", ") == ", ")
    }

    /// Findings write a side as its raw value; printing the case (what they did before) gives the same word.
    @Test func sideRawValueIsWhatInterpolationPrinted() {
        for side in Side.allCases {
            #expect(side.rawValue == "\(side)")
        }
    }
}
