import Testing
import Foundation
import Connections
import Diagnosis
import Reports
import Pipeline

/// When rendering is the slower side, the reading thread summarises batches itself instead of waiting
/// (RenderStage.flush). The report must be the same as when it never does: same connections, same order,
/// same JSON.
@Suite struct RenderStageSharingTests {
    /// Keeps each connection's JSON; sleeps per connection when `delay` is set, so batches pile up.
    final class Collecting: ReportRenderer {
        let delay: useconds_t
        var connections: [String] = []
        var inputs = 0
        init(delay: useconds_t) { self.delay = delay }
        func begin() {}
        func connection(_ ac: AnalyzedConnection) {
            if delay > 0 { usleep(delay) }
            var w = JSONWriter()
            ConnectionJSON.write(ac, id: connections.count + 1, to: &w)
            connections.append(String(decoding: w.bytes, as: UTF8.self))
        }
        func finish(inputs: [InputResult]) { self.inputs = inputs.count }
    }

    static func capture(connections n: Int) -> [UInt8] {
        var p = FloodPcap()
        for i in 0..<n {
            let client = FloodPcap.host(i)
            let port = 20000 + i
            p.handshakeStart(micros: i * 1000, client: client, port: port)
            let hello = FloodPcap.clientHello
            p.tcp(micros: i * 1000 + 300, src: client, sport: port, dst: FloodPcap.server, dport: 443, seq: 1001, ack: 5001,
                  flags: FloodPcap.psh | FloodPcap.ack, payload: hello)
            // The server refuses: an alert, then both sides close.
            p.tcp(micros: i * 1000 + 400, src: FloodPcap.server, sport: 443, dst: client, dport: port, seq: 5001,
                  ack: UInt32(1001 + hello.count), flags: FloodPcap.psh | FloodPcap.ack, payload: [21, 3, 3, 0, 2, 2, 40])
            p.tcp(micros: i * 1000 + 500, src: FloodPcap.server, sport: 443, dst: client, dport: port, seq: 5008,
                  ack: UInt32(1001 + hello.count), flags: FloodPcap.rst | FloodPcap.ack)
        }
        return p.bytes
    }

    @Test func readerSummarisingForASlowRendererChangesNothing() throws {
        let path = Robust.write(Self.capture(connections: 700), name: "sharing.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let slow = Collecting(delay: 300)
        let slowOutcome = AnalysisRunner.run(files: [path], options: Robust.options, jobs: 1, renderer: slow,
                                             progress: false, onInputError: { _ in })
        let fast = Collecting(delay: 0)
        _ = AnalysisRunner.run(files: [path], options: Robust.options, jobs: 1, renderer: fast,
                               progress: false, onInputError: { _ in })
        #expect(slow.connections.count == 700)
        #expect(slow.connections == fast.connections)
        #expect(slow.connections.first?.contains("\"handshake_failure\"") == true, "\(slow.connections.first ?? "")")
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            // With a thread to render on, the slow renderer fell behind and the reader helped.
            #expect(slowOutcome.batchesSummarisedByReader > 0)
        }
    }
}
