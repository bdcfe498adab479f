import Testing
import Foundation
import WireCore
import X509Inspect
import Diagnosis
@testable import Pipeline
import Reports

/// `--jobs N` analyses several inputs at once; its output must be byte-identical to a serial run in
/// every format, with the same exit status and the same error lines, also when the per-input
/// buffers are too small to hold an input (workers then wait for their turn).
struct ParallelRunTests {
    /// A mix: handshakes, loss, a missing file, refused TCP, a mid-stream capture, SSLv2, a gap.
    static let inputs = ["tls12_ok.pcapng", "loss_retransmit.pcap", "nonexistent.pcap", "tcp_refused.pcap",
                         "midstream.pcap", "sslv2_hello.pcap", "gap_in_server_flight.pcap", "reordered_retransmitted.pcap"]
        .map(Fixtures.capture)

    struct Run: Equatable {
        var output: String
        var errors: [String]
        var connections: Int
        var inputErrors: Int
        var worst: String?
    }

    static func render(format: String, jobs: Int, budget: Int? = nil) throws -> Run {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-parallel-\(UUID().uuidString).\(format)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var errors: [String] = []
        let options = AnalysisOptions(trust: TrustConfiguration(clientTrust: Fixtures.systemStore, clientTrustExplicit: false,
                                                                serverTrust: nil),
                                      profiles: VendorProfiles.builtIn())
        let outcome: AnalysisRunner.Outcome
        do {
            let sink = try #require(OutputSink(path: path))
            let renderer = ReportFactory.make(format: format, out: sink, color: false, redact: false)
            if let budget {
                outcome = AnalysisRunner.runParallel(files: inputs, options: options, workers: jobs, budget: budget,
                                                     renderer: renderer, progress: false, onInputError: { errors.append($0) })
            } else {
                outcome = AnalysisRunner.run(files: inputs, options: options, jobs: jobs, renderer: renderer,
                                             progress: false, onInputError: { errors.append($0) })
            }
        }   // the sink closes here: everything is on disk
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return Run(output: text, errors: errors, connections: outcome.connections, inputErrors: outcome.inputErrors,
                   worst: outcome.worstSeverity.map { "\($0)" })
    }

    @Test(arguments: ["json", "jsonl", "text", "markdown"])
    func parallelOutputIsByteIdenticalToSerial(format: String) throws {
        let serial = try Self.render(format: format, jobs: 1)
        #expect(serial.connections > 5)
        #expect(serial.inputErrors == 1)
        #expect(serial.errors.count == 1 && serial.errors[0].contains("nonexistent.pcap"))
        for jobs in [2, 3, 8] {
            let parallel = try Self.render(format: format, jobs: jobs)
            #expect(parallel == serial, "--jobs \(jobs), \(format)")
        }
    }

    @Test func workersThatOverrunTheirBufferWaitAndTheOutputStaysIdentical() throws {
        let serial = try Self.render(format: "json", jobs: 1)
        // A budget below one connection: every worker but the one being rendered waits after each batch.
        let starved = try Self.render(format: "json", jobs: 3, budget: 1)
        #expect(starved == serial)
        // Connection ids run on across inputs, in input order.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(starved.output.utf8)) as? [String: Any])
        let connections = try #require(json["connections"] as? [[String: Any]])
        #expect(connections.map { $0["id"] as? Int } == Array(1...connections.count).map { Optional($0) })
        let inputs = connections.compactMap { $0["input"] as? Int }
        #expect(inputs == inputs.sorted())
    }

    @Test func analysedConnectionSizeEstimateGrowsWithCertificates() throws {
        let r = try Fixtures.analyze("tls12_ok.pcapng")
        let c = try #require(r.connections.first)
        #expect(c.serverChain != nil)
        var bare = c
        bare.serverChain = nil
        #expect(AnalysisRunner.estimatedBytes(c) > AnalysisRunner.estimatedBytes(bare) + 1000)
    }
}
