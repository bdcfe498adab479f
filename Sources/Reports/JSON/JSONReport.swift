import WireCore
import Capture
import Diagnosis

public enum ToolInfo {
    public static let name = "tlsdiag"
    public static let version = "0.1.0"
    public static let schemaVersion = "1"
}

/// `--format json`: one document. Connections are streamed into the `connections` array as they
/// finish (memory stays flat); `inputs` and `summary` follow it (JSON object order is free).
public final class JSONReport: ReportRenderer {
    let out: OutputSink
    var writer = JSONWriter(pretty: false, capacity: batchBytes + (1 << 16))
    let memo = ConnectionJSON.Memo()
    var nextID = 1
    var first = true
    /// Connections per outcome and findings per rule, in order of first appearance (a handful
    /// of keys: a linear search whose string compares are pointer compares of the same literal
    /// is cheaper than hashing the name per connection). Sorted by key when written.
    var counts: [(key: String, value: Int)] = []
    var ruleCounts: [(key: String, value: Int)] = []
    public let pretty: Bool
    /// Set by `ReportFactory` for `--redact`: written as the top-level `redacted` field.
    public var redacted = false

    public init(out: OutputSink, pretty: Bool = false) {
        self.out = out
        self.pretty = pretty
    }

    public func begin() {
        out.write("{\"schema_version\":\"\(ToolInfo.schemaVersion)\",\"tool\":{\"name\":\"\(ToolInfo.name)\",\"version\":\"\(ToolInfo.version)\"},\"redacted\":\(redacted),\"connections\":[")
    }

    /// Connections' JSON is sent to `out` in batches of at least this many bytes (a 1 GB capture's
    /// 150 MB in some 150 writes that go straight to the file, not 20,000 copied through stdio's
    /// buffer), so the writer holds about this much plus one connection.
    static let batchBytes = OutputSink.bufferSize

    public func connection(_ ac: AnalyzedConnection) {
        writer.beginNextDocument(comma: !first)
        first = false
        ConnectionJSON.write(ac, id: nextID, to: &writer, memo: memo)
        nextID += 1
        if writer.count >= Self.batchBytes { sendBatch() }
        Self.count(ac.connection.outcome.rawValue, in: &counts)
        for i in ac.findings.indices { Self.count(ac.findings[i].rule.rawValue, in: &ruleCounts) }
    }

    static func count(_ key: String, in counts: inout [(key: String, value: Int)]) {
        for i in counts.indices where counts[i].key == key {
            counts[i].value += 1
            return
        }
        counts.append((key, 1))
    }

    private func sendBatch() {
        writer.withBytes { out.write($0) }
        writer.reset()
    }

    public func finish(inputs: [InputResult]) {
        sendBatch()
        out.write("\n],\"inputs\":")
        var w = JSONWriter()
        InputJSON.write(inputs, to: &w)
        w.withBytes { out.write($0) }
        w.reset()
        w.beginObject()
        w.field("connections", nextID - 1)
        w.key("outcomes"); w.beginObject()
        for (k, v) in counts.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
        w.endObject()
        w.key("rules"); w.beginObject()
        for (k, v) in ruleCounts.sorted(by: { $0.key < $1.key }) { w.field(k, v) }
        w.endObject()
        w.endObject()
        out.write(",\"summary\":")
        w.withBytes { out.write($0) }
        out.write("}\n")
        out.flush()
    }
}

/// `--format jsonl`: one connection object per line, written the moment the connection finishes.
public final class JSONLinesReport: ReportRenderer {
    let out: OutputSink
    var writer = JSONWriter(capacity: 1 << 16)
    let memo = ConnectionJSON.Memo()
    var nextID = 1
    public init(out: OutputSink) { self.out = out }
    public func begin() {}
    public func connection(_ ac: AnalyzedConnection) {
        writer.reset()
        ConnectionJSON.write(ac, id: nextID, to: &writer, memo: memo)
        nextID += 1
        writer.withBytes { out.write($0) }
        out.write(byte: 0x0a)
        out.flush()
    }
    public func finish(inputs: [InputResult]) { out.flush() }
}

public enum InputJSON {
    public static func write(_ inputs: [InputResult], to w: inout JSONWriter) {
        w.beginArray()
        for r in inputs {
            w.beginObject()
            w.field("path", r.path)
            if let e = r.error {
                w.field("error", e.reason)
                w.field("error_code", e.code.rawValue)
            }
            if let i = r.info {
                w.field("format", i.format.rawValue)
                w.field("link_types", strings: i.linkTypes.map(\.description))
                w.field("frames", i.frames)
                w.field("first_time", timestamp: i.firstTime)
                w.field("last_time", timestamp: i.lastTime)
                w.field("snaplen", i.snaplen)
                w.field("read_problem", i.readProblem)
            }
            w.field("connections", r.connections)
            w.field("tls_connections", r.tlsConnections)
            w.key("packets"); w.beginObject()
            w.field("tcp_segments", r.packets.tcpSegments)
            w.field("udp_datagrams", r.packets.udpDatagrams)
            w.field("ip_fragments", r.packets.ipFragments)
            w.field("reassembled_ip_packets", r.packets.reassembledIPPackets)
            w.field("other_ip", r.packets.otherIP)
            w.field("non_ip", r.packets.nonIP)
            w.field("malformed", r.packets.malformed)
            w.field("snaplen_truncated_frames", r.packets.snaplenTruncatedFrames)
            w.field("stray_tcp_segments", r.tracker.strayTCPSegments)
            w.field("connections_finished_by_limit", r.tracker.connectionsFinishedByLimit)
            w.field("connections_finished_idle", r.tracker.connectionsFinishedByIdle)
            w.endObject()
            w.key("anomalies"); w.beginArray()
            for a in r.packets.malformedExamples + r.packets.fragmentExamples {
                w.beginObject(); w.field("kind", a.kind.rawValue); w.field("frame", a.frame); w.field("detail", a.detail); w.endObject()
            }
            w.endArray()
            w.key("findings"); w.beginArray()
            for f in r.findings { ConnectionJSON.finding(f, &w) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
    }
}
