import Foundation
import WireCore
import Capture
import Connections
import X509Inspect
import Diagnosis
import Pipeline
import Reports

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

/// Runs the built `tlsdiag` binary (next to the test bundle) and captures its output and status.
enum CLI {
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tlsdiag")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Fixtures.repo.appendingPathComponent(".build/debug/tlsdiag")
    }

    struct Output { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String], stdin: Data? = nil) throws -> Output {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = Fixtures.repo
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try? input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
