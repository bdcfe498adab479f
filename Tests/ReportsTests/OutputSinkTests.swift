import Testing
import Foundation
@testable import Diagnosis
@testable import Reports

/// A report file is written in large pieces (a 150 MB JSON report in about 150 `write` calls, not
/// 33,000 of one disk block), and every byte is there once the sink flushes or goes away.
struct OutputSinkTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-sink-\(UUID().uuidString)").path
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? -1
    }

    @Test func aFileSinkHoldsWritesUpToItsBufferThenFlushesThemWhole() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try #require(OutputSink(path: path))
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 7_400)   // about one connection's JSON
        var written = 0
        while written + piece.count < OutputSink.bufferSize {
            sink.write(piece)
            written += piece.count
        }
        #expect(Self.size(path) == 0, "nothing reaches the file before the buffer is full")
        sink.write(piece)
        written += piece.count
        let afterOverflow = Self.size(path)
        #expect(afterOverflow >= OutputSink.bufferSize / 2 && afterOverflow <= written)
        sink.flush()
        #expect(Self.size(path) == written)
    }

    @Test func everyByteIsInTheFileWhenTheSinkGoesAway() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var expected = [UInt8]()
        do {
            let sink = try #require(OutputSink(path: path))
            for i in 0..<3_000 {
                let line = Array("line \(i) of a report\n".utf8)
                sink.write(line)
                sink.write(byte: UInt8(ascii: "."))
                expected += line + [UInt8(ascii: ".")]
            }
            // A piece larger than the buffer goes to the file directly, after what is buffered.
            let large = (0..<(OutputSink.bufferSize + 12_345)).map { UInt8(truncatingIfNeeded: $0 % 251) }
            large.withUnsafeBytes { sink.write($0) }
            expected += large
            sink.write("end")
            expected += Array("end".utf8)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected))
    }
}

/// The JSON report sends its connections in batches of about a megabyte; a report of several
/// batches is still one document with every connection in order.
struct JSONReportBatchTests {
    @Test func aReportOfSeveralBatchesIsOneDocumentWithEveryConnectionInOrder() throws {
        try #require(Fixtures.exists("all_failures.pcapng"))
        let analysed = Fixtures.analyze("all_failures.pcapng").connections
        var connections: [AnalyzedConnection] = []
        while connections.count * 4_000 < 3 * OutputSink.bufferSize { connections += analysed }
        let text = Render.run("json", connections)
        #expect(text.utf8.count > 2 * OutputSink.bufferSize, "more than two batches")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let objects = try #require(document["connections"] as? [[String: Any]])
        #expect(objects.count == connections.count)
        #expect(objects.map { $0["id"] as? Int } == Array(1...connections.count))
        // The same connection in another batch is the same object but for its id.
        var first = objects[0], again = objects[analysed.count * (connections.count / analysed.count - 1)]
        first["id"] = nil; again["id"] = nil
        #expect(NSDictionary(dictionary: first) == NSDictionary(dictionary: again))
        // Line layout as before batching: one connection per line after the opening line.
        #expect(text.split(separator: "\n").count == connections.count + 2)
    }
}
