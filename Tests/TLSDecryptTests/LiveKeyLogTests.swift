import Testing
import Foundation
import WireCore
@testable import TLSWire
@testable import TLSDecrypt

/// `tlsdiag live --keylog`: the client writes its key log while the capture is already past the
/// ServerHello. A followed key log makes the record stream hold protected records (bounded)
/// until the secrets appear, then open them in order.
@Suite struct LiveKeyLogTests {
    typealias S = DecryptingRecordStreamTests
    static let t = Timestamp(seconds: 0, nanoseconds: 0)
    static var random: String { S.hexString(S.clientRandom) }

    static func tempFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-live-\(UUID().uuidString).keys").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static func append(_ path: String, _ text: String) throws {
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try h.close()
    }

    /// A record stream of the server's side, expecting the secrets of `S.clientRandom` from the key log at `path`.
    static func serverStream(keyLog path: String, follow: Bool = true) throws -> TLSRecordStream {
        var s = TLSRecordStream()
        s.expectKeys(from: try KeyLogFile(path: path, follow: follow), clientRandom: S.clientRandom, sender: .server)
        return s
    }

    static func feed(_ s: inout TLSRecordStream, _ bytes: [UInt8], frame: Int, _ events: inout [TLSEvent]) {
        bytes.withUnsafeBytes { s.feed($0, frame: frame, time: t, into: &events) }
    }

    @Test func recordsHeldUntilTheSecretsAreWrittenThenOpenedInOrder() throws {
        let path = try Self.tempFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord + RFC8448.serverFlightRecord, frame: 1, &events)
        #expect(S.describe(events) == ["hs 2"], "the flight is held, not reported as opaque data")
        #expect(s.isAwaitingKeys)
        try Self.append(path, """
            SERVER_HANDSHAKE_TRAFFIC_SECRET \(Self.random) \(S.hexString(RFC8448.serverHandshakeSecret))
            SERVER_TRAFFIC_SECRET_0 \(Self.random) \(S.hexString(RFC8448.serverApplicationSecret))

            """)
        // The peer moved (its connection asks again): the held flight opens, with its own frame.
        s.retryKeys(into: &events)
        #expect(S.describe(events) == ["hs 2", "app 674 opened 22", "dec hs 8", "dec hs 11", "dec hs 15", "dec hs 20"])
        #expect(events.last?.frame == 1)
        #expect(s.replayedHeldRecords)
        Self.feed(&s, RFC8448.newSessionTicketRecord, frame: 2, &events)
        #expect(S.describe(events).suffix(2) == ["app 222 opened 22", "dec hs 4"])
    }

    @Test func theApplicationSecretMayComeAfterTheHandshakeSecret() throws {
        let path = try Self.tempFile("SERVER_HANDSHAKE_TRAFFIC_SECRET \(Self.random) \(S.hexString(RFC8448.serverHandshakeSecret))\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord + RFC8448.serverFlightRecord + RFC8448.newSessionTicketRecord, frame: 1, &events)
        #expect(S.describe(events).last == "dec hs 20", "the ticket waits for SERVER_TRAFFIC_SECRET_0")
        try Self.append(path, "SERVER_TRAFFIC_SECRET_0 \(Self.random) \(S.hexString(RFC8448.serverApplicationSecret))\n")
        Self.feed(&s, RFC8448.serverApplicationRecord, frame: 2, &events)
        #expect(S.describe(events).suffix(3) == ["app 222 opened 22", "dec hs 4", "app 67 opened 23"])
        #expect(s.decryption == .active)
    }

    @Test func heldRecordsAfterTheFinishedWaitAgainWhenOnlyTheHandshakeSecretIsWritten() throws {
        let path = try Self.tempFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord + RFC8448.serverFlightRecord + RFC8448.newSessionTicketRecord, frame: 1, &events)
        try Self.append(path, "SERVER_HANDSHAKE_TRAFFIC_SECRET \(Self.random) \(S.hexString(RFC8448.serverHandshakeSecret))\n")
        s.retryKeys(into: &events)
        #expect(S.describe(events).last == "dec hs 20", "the ticket is not opened with the handshake keys")
        #expect(s.isAwaitingKeys)
        try Self.append(path, "SERVER_TRAFFIC_SECRET_0 \(Self.random) \(S.hexString(RFC8448.serverApplicationSecret))\n")
        s.retryKeys(into: &events)
        #expect(S.describe(events).suffix(2) == ["app 222 opened 22", "dec hs 4"])
        #expect(s.decryption == .active && !s.isAwaitingKeys)
    }

    @Test func secretsThatNeverComeLeaveTheHeldRecordsOpaqueAtTheEnd() throws {
        let path = try Self.tempFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord + RFC8448.serverFlightRecord + RFC8448.newSessionTicketRecord, frame: 1, &events)
        s.finish(frame: 3, time: Self.t, into: &events)
        #expect(S.describe(events) == ["hs 2", "app 674", "app 222"])
        #expect(s.decryption == .noKeys && !s.isAwaitingKeys)
    }

    @Test func holdingIsBounded() throws {
        let path = try Self.tempFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord, frame: 1, &events)
        for i in 0..<AwaitingKeys.maxRecords { Self.feed(&s, RFC8448.serverApplicationRecord, frame: 2 + i, &events) }
        #expect(!s.isAwaitingKeys)
        #expect(events.count == 1 + AwaitingKeys.maxRecords)
    }

    @Test func offlineAMissingSecretIsFinalAndNothingIsHeld() throws {
        let path = try Self.tempFile("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var s = try Self.serverStream(keyLog: path, follow: false)
        var events: [TLSEvent] = []
        Self.feed(&s, S.serverHelloRecord + RFC8448.serverFlightRecord, frame: 1, &events)
        #expect(S.describe(events) == ["hs 2", "app 674"])
        #expect(!s.isAwaitingKeys)
    }
}
