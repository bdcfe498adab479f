import Testing
import WireCore
import TLSWire
@testable import Connections
import TestSupport

/// The summariser's small readers: outcome classes, the "after" text of alerts, and TLS 1.3 inference
/// from record sizes (read in place, as the filtered-copy version it replaced read them).
struct ConnectionSummaryTests {
    @Test func onlyEstablishedNoDataUncapturedAndIncompleteAreNotFailures() {
        let notFailures: [Outcome] = [.established, .noData, .handshakeNotCaptured, .incomplete]
        let failures: [Outcome] = [.rejectedByClient, .rejectedByServer, .noServerHello, .reset, .closedByClient,
                                   .closedByServer, .notTLS, .tcpRefused, .tcpNoAnswer, Outcome(rawValue: "something_new")]
        for o in notFailures { #expect(!o.isFailure, "\(o)") }
        for o in failures { #expect(o.isFailure, "\(o)") }
        // Equal by value, not by identity of the static.
        #expect(!Outcome(rawValue: "handshake_not_captured").isFailure)
    }

    private func entry(_ frame: Int, _ sender: Side, _ event: TranscriptEntry.Event) -> TranscriptEntry {
        TranscriptEntry(frame: frame, time: Timestamp(seconds: 0, nanoseconds: 0), sender: sender, event: event)
    }

    @Test func alertAfterNamesTheLastHandshakeStepAtOrBeforeItsFrame() {
        let t = [
            entry(1, .client, .syn),
            entry(3, .client, .handshake(.clientHello, length: 200)),
            entry(4, .server, .handshake(.serverHello, length: 90)),
            entry(5, .server, .changeCipherSpec),
            entry(6, .server, .encryptedHandshake(length: 40)),
            entry(7, .client, .applicationData(records: 2, bytes: 100)),
            entry(9, .server, .alert(level: .fatal, description: .handshakeFailure)),
        ]
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 2, in: t) == nil)
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 3, in: t) == "ClientHello from the client (frame 3)")
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 4, in: t) == "ServerHello from the server (frame 4)")
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 5, in: t) == "ChangeCipherSpec from the server (frame 5)")
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 6, in: t) == "encrypted Finished from the server (frame 6)")
        // Application data counts only when strictly before the alert's frame.
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 7, in: t) == "encrypted Finished from the server (frame 6)")
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 9, in: t) == "encrypted records from the client (frame 7)")
        let hrr = [entry(12, .server, .helloRetryRequest)]
        #expect(ConnectionSummarizer.lastHandshakeStep(before: 12, in: hrr) == "HelloRetryRequest from the server (frame 12)")
    }

    @Test func theClientsFirstEncryptedRecordSizeSaysWhatItHolds() {
        let expected: [(Int, TLS13Inference.ClientFlight)] = [
            (19, .alert), (25, .emptyCertificate), (53, .finished), (69, .finished), (70, .certificate),
            (1200, .certificate), (40, .finished),
        ]
        for (length, flight) in expected {
            #expect(TLS13Inference.ClientFlight(firstRecordLength: length) == flight, "\(length) bytes")
        }
    }

    /// The inference as it was written before it read the records in place (the record selection is what
    /// the in-place version changed; the size table is shared).
    private func filteredInference(_ all: [RecordSize]) -> TLS13Inference {
        let records = all.filter { $0.contentType == .applicationData }
        guard let idx = records.firstIndex(where: { $0.sender == .client }) else {
            return TLS13Inference(clientFlight: .none, clientFlightFrame: nil, serverAlertAfterClientFlight: nil,
                                  dataAfterClientFlight: false)
        }
        let first = records[idx]
        let flight = TLS13Inference.ClientFlight(firstRecordLength: first.length)
        let after = records[(idx + 1)...]
        var serverAlert: Int?
        if flight != .alert, let s = after.first(where: { $0.sender == .server }), s.length == 19 { serverAlert = s.frame }
        let data = after.contains { $0.length != 19 && ($0.sender == .server || flight == .finished) }
        return TLS13Inference(clientFlight: flight, clientFlightFrame: first.frame,
                              serverAlertAfterClientFlight: serverAlert, dataAfterClientFlight: data)
    }

    @Test func tls13InferenceMatchesTheFilteredReadingOnManyRecordSequences() {
        var rng = SplitMix64(seed: 13)
        let lengths = [19, 25, 53, 69, 70, 40, 300]
        let types: [ContentType] = [.applicationData, .applicationData, .applicationData, .handshake]
        for _ in 0..<2_000 {
            let n = Int.random(in: 0...8, using: &rng)
            let records = (0..<n).map { i in
                RecordSize(frame: i + 1, sender: Bool.random(using: &rng) ? .client : .server,
                           contentType: types.randomElement(using: &rng)!, length: lengths.randomElement(using: &rng)!)
            }
            #expect(ConnectionSummarizer.inferTLS13(records) == filteredInference(records), "\(records)")
        }
    }

    @Test func aClientAlertSizedFirstRecordIsAnAlertWithNoServerAlertLookedFor() {
        let r = [RecordSize(frame: 5, sender: .server, contentType: .applicationData, length: 900),
                 RecordSize(frame: 6, sender: .client, contentType: .applicationData, length: 19),
                 RecordSize(frame: 7, sender: .server, contentType: .applicationData, length: 19)]
        let inf = ConnectionSummarizer.inferTLS13(r)
        #expect(inf.clientFlight == .alert && inf.clientFlightFrame == 6)
        #expect(inf.serverAlertAfterClientFlight == nil && !inf.dataAfterClientFlight)
    }
}
