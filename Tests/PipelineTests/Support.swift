import Foundation
import WireCore
import Capture
import Connections
import X509Inspect
import Diagnosis
import Pipeline
import Reports
import TestSupport

/// Paths and one-call analysis of the committed fixture captures.
enum Fixtures {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func capture(_ name: String) -> String { repo.appendingPathComponent("captures/" + name).path }
    static func pki(_ name: String) -> String { repo.appendingPathComponent("captures/pki/" + name).path }
    static let systemStore = TrustStore.system()
    static let cache = CertificateCache()

    struct Result {
        var connections: [AnalyzedConnection]
        var input: InputResult
        /// Rule IDs per connection (in order) and of the input, as "outcome:RULE,RULE".
        var summary: [String] {
            connections.map { "\($0.connection.outcome.rawValue):" + $0.findings.map(\.rule.rawValue).joined(separator: ",") }
                + input.findings.map { "INPUT:\($0.rule.rawValue)" }
        }
        var ruleSets: [Set<String>] { connections.map { Set($0.findings.map(\.rule.rawValue)) } }
    }

    static func analyze(_ name: String, clientTrust: [String] = [], serverTrust: [String] = [], at: String? = nil,
                        expectHost: String? = nil) throws -> Result {
        let client = clientTrust.isEmpty ? systemStore : try TrustStore.load(paths: clientTrust.map(pki), label: "--client-trust")
        let server = serverTrust.isEmpty ? nil : try TrustStore.load(paths: serverTrust.map(pki), label: "--server-trust")
        let trust = TrustConfiguration(clientTrust: client, clientTrustExplicit: !clientTrust.isEmpty, serverTrust: server,
                                       at: at.flatMap { Timestamp(rfc3339: $0) }, expectHost: expectHost)
        let analysis = CaptureAnalysis(options: AnalysisOptions(trust: trust, profiles: VendorProfiles.builtIn()), cache: cache)
        var out: [AnalyzedConnection] = []
        let input = analysis.run(path: capture(name), input: 0, onConnection: { out.append($0) })
        return Result(connections: out, input: input)
    }
}
