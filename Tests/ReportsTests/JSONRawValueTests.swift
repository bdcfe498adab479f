import Testing
import WireCore
@testable import Connections
@testable import Reports

/// The compact `tcp` object is written as one raw value (`JSONWriter.rawValue`); it must be byte
/// for byte what the general, field-by-field path writes (which pretty output still takes).
struct JSONRawValueTests {
    static func tcpJSON(_ t: TCPSummary, pretty: Bool) -> String {
        var w = JSONWriter(pretty: pretty)
        w.beginObject()
        w.field("before", 1)
        ConnectionJSON.tcp(t, &w)
        w.field("after", true)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func compacted(_ pretty: String) -> String {
        String(pretty.filter { $0 != " " && $0 != "\n" })   // no value in `tcp` has spaces
    }

    @Test func compactTCPObjectMatchesTheFieldByFieldPath() {
        let t0 = Timestamp(seconds: 1_790_000_000, nanoseconds: 0)
        var full = TCPSummary()
        full.syn = TCPSignal(frame: 1, time: t0, sender: .client)
        full.synCount = 3
        full.synAck = TCPSignal(frame: 123_456_789, time: t0, sender: .server)
        full.startedBeforeCapture = true
        full.fins = [TCPSignal(frame: 7, time: t0, sender: .server), TCPSignal(frame: Int.max, time: t0, sender: .client)]
        full.rsts = (0..<40).map { TCPSignal(frame: $0 * 997, time: t0, sender: $0 % 3 == 0 ? .client : .server) }
        full.client.segments = Int.max
        full.client.payloadBytes = Int.min
        full.client.gapBytes = 99
        full.server.retransmittedSegments = 100
        full.server.truncatedSegments = -5
        full.sawClientPackets = true
        for t in [TCPSummary(), full] {
            let compact = Self.tcpJSON(t, pretty: false)
            #expect(compact == Self.compacted(Self.tcpJSON(t, pretty: true)))
            #expect(compact.hasPrefix("{\"before\":1,\"tcp\":{\"syn_frame\":"))
            #expect(compact.hasSuffix("}},\"after\":true}"))
        }
        #expect(Self.tcpJSON(TCPSummary(), pretty: false) == "{\"before\":1,\"tcp\":{\"syn_frame\":null,\"syn_count\":0,\"syn_ack_frame\":null,\"started_before_capture\":false,\"fins\":[],\"rsts\":[],\"client\":{\"seen\":false,\"segments\":0,\"payload_bytes\":0,\"retransmitted_segments\":0,\"out_of_order_segments\":0,\"gap_bytes\":0,\"gaps\":0,\"snaplen_truncated_segments\":0},\"server\":{\"seen\":false,\"segments\":0,\"payload_bytes\":0,\"retransmitted_segments\":0,\"out_of_order_segments\":0,\"gap_bytes\":0,\"gaps\":0,\"snaplen_truncated_segments\":0}},\"after\":true}")
    }
}
