import Testing
@testable import TLSWire
import WireCore
import TestSupport

/// Handshake records whole in one chunk are read in place; split ones are reassembled in the stream's
/// buffer. Both must give the same events, message for message, with the same frames.
@Suite struct RecordStreamReassemblyTests {
    typealias F = HandshakeFixtures

    static func message(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, UInt8(body.count >> 16), UInt8(truncatingIfNeeded: body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }

    static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        [type, 3, 3, UInt8(body.count >> 8), UInt8(truncatingIfNeeded: body.count)] + body
    }

    /// A TLS 1.2 server flight: three messages in one record, a Certificate split over two records,
    /// ServerHelloDone alone, then a malformed message, an empty record, a ChangeCipherSpec and an alert.
    static let serverFlight: [UInt8] = {
        let hello = message(2, F.tls12ServerHello)
        let certificate = message(11, F.tls12Certificate)
        let cut = certificate.count / 3
        return record(22, hello + Array(certificate.prefix(cut)))
            + record(22, Array(certificate.dropFirst(cut)) + message(12, F.tls12ServerKeyExchangeECDHE))
            + record(22, message(14, []))
            + record(22, message(2, [3, 3, 0]))
            + record(22, [])
            + record(20, [1])
            + record(21, [2, 40])
    }()

    static let clientFlight: [UInt8] = record(22, message(1, F.chromeClientHello))
        + record(22, message(1, F.tls13ClientHello) + message(1, F.tls12ClientHello))

    struct Seen: Equatable {
        var message: HandshakeMessage?
        var text: String
        var firstFrame: Int
        var frame: Int
    }

    /// Feeds `bytes` in chunks of the given sizes, chunk k as frame k + 1.
    static func run(_ bytes: [UInt8], chunks: [Int]) -> [Seen] {
        var stream = TLSRecordStream()
        var events: [TLSEvent] = []
        var offset = 0, frame = 0
        for n in chunks where offset < bytes.count {
            frame += 1
            let end = min(bytes.count, offset + n)
            bytes[offset..<end].withUnsafeBytes { stream.feed($0, frame: frame, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events) }
            offset = end
        }
        return seen(events)
    }

    static func seen(_ events: [TLSEvent]) -> [Seen] {
        events.map { e in
            switch e.kind {
            case .handshake(let m, let length): return Seen(message: m, text: "hs \(length)", firstFrame: e.firstFrame, frame: e.frame)
            default: return Seen(message: nil, text: "\(e.kind)", firstFrame: e.firstFrame, frame: e.frame)
            }
        }
    }

    @Test(arguments: [("server", serverFlight), ("client", clientFlight)])
    func wholeRecordsReadInPlaceGiveTheEventsOfReassembledOnes(_ name: String, _ bytes: [UInt8]) {
        let blast = Self.run(bytes, chunks: [bytes.count])
        let drip = Self.run(bytes, chunks: Array(repeating: 1, count: bytes.count))
        #expect(blast.count == drip.count, "\(name)")
        // Frames differ between chunkings; the events themselves may not.
        #expect(blast.map { Seen(message: $0.message, text: $0.text, firstFrame: 0, frame: 0) }
                == drip.map { Seen(message: $0.message, text: $0.text, firstFrame: 0, frame: 0) }, "\(name)")
        #expect(blast.filter { $0.message != nil }.count == (name == "server" ? 4 : 3), "\(name): \(blast.map(\.text))")
        var rng = SplitMix64(seed: UInt64(bytes.count))
        for _ in 0..<50 {
            var splits: [Int] = []
            var total = 0
            while total < bytes.count { let n = Int(rng.next() % 600) + 1; splits.append(n); total += n }
            #expect(Self.run(bytes, chunks: splits).map(\.message) == blast.map(\.message), "\(name): \(splits)")
        }
    }

    @Test func framesOfMessagesAreTheSameWhetherReadInPlaceOrReassembled() {
        // Record by record (each whole in its chunk: in place) versus each record cut in two (reassembled),
        // both with one frame per record: the frames of every event must match.
        var offsets: [Int] = []
        var i = 0
        let bytes = Self.serverFlight
        while i < bytes.count { offsets.append(i); i += 5 + (Int(bytes[i + 3]) << 8 | Int(bytes[i + 4])) }
        let sizes = zip(offsets, offsets.dropFirst() + [bytes.count]).map { $1 - $0 }
        var events: [[Seen]] = []
        for cut in [false, true] {
            var stream = TLSRecordStream()
            var out: [TLSEvent] = []
            for (k, (start, size)) in zip(offsets, sizes).enumerated() {
                let pieces = cut && size > 8 ? [start..<(start + 8), (start + 8)..<(start + size)] : [start..<(start + size)]
                for piece in pieces {
                    bytes[piece].withUnsafeBytes { stream.feed($0, frame: k + 1, time: Timestamp(seconds: 0, nanoseconds: 0), into: &out) }
                }
            }
            events.append(Self.seen(out))
        }
        #expect(events[0] == events[1])
        // The Certificate began in the first record (frame 1) and ended in the second (frame 2).
        let certificate = events[0].first { if case .certificate = $0.message { return true } else { return false } }
        #expect(certificate?.firstFrame == 1 && certificate?.frame == 2)
    }

    @Test func alertsAndChangeCipherSpecsAreDecodedHoweverTheyAreCut() {
        // The start of the stream (its first five bytes decide the mode) and both bodies cut anywhere.
        let bytes = Self.record(20, [1]) + Self.record(21, [2, 40]) + Self.record(21, [1, 0])
        for chunks in [[bytes.count], [3, 4, 5, 1, 7], Array(repeating: 1, count: bytes.count)] {
            var stream = TLSRecordStream()
            var events: [TLSEvent] = []
            var offset = 0
            for n in chunks {
                bytes[offset..<(offset + n)].withUnsafeBytes { stream.feed($0, frame: 1, time: Timestamp(seconds: 0, nanoseconds: 0), into: &events) }
                offset += n
            }
            let seen = events.map { e -> [UInt8] in
                switch e.kind {
                case .changeCipherSpec: return [20]
                case .alert(let level, let description): return [21, level.rawValue, description.rawValue]
                default: return []
                }
            }
            #expect(seen == [[20], [21, 2, 40], [21, 1, 0]], "\(chunks)")
        }
    }

    @Test func extensionsShareOneExactCopyOfTheirBlockOrHello() throws {
        for body in [F.chromeClientHello, F.tls13ClientHello] {
            // The hello inside a much larger buffer: its extensions must not keep that buffer.
            let big = [UInt8](repeating: 0, count: 10_000) + body + [UInt8](repeating: 0, count: 10_000)
            let hello = try ClientHello.parse(big[10_000..<(10_000 + body.count)])
            let checked = try ClientHello.parseChecked(big[10_000..<(10_000 + body.count)], fastExtensions: false)
            for (h, keepsWholeBody) in [(hello, true), (checked, false)] {
                let e = h.extensions
                #expect(e.count > 5)
                // Consecutive entries lie 4 header bytes apart in one allocation.
                let addresses = e.map { x in x.data.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
                for k in 1..<e.count where e[k - 1].data.count > 0 && e[k].data.count > 0 {
                    #expect(addresses[k] == addresses[k - 1] + UInt(e[k - 1].data.count + 4))
                }
                // That allocation is the hello's own copy of its body, kept for its decode on first read (the
                // block ends where the body does), or, from the checked reader, the block alone: never the
                // buffer around the hello.
                let blockLength = e.reduce(0) { $0 + 4 + $1.data.count }
                let blockStart = e[0].data.startIndex - 4
                if keepsWholeBody {
                    #expect(blockStart + blockLength == body.count && blockStart > 0)
                } else {
                    #expect(blockStart == 0)
                }
                #expect(e[e.count - 1].data.endIndex == blockStart + blockLength)
            }
            #expect(hello == checked)
        }
    }

    @Test func extensionsBuiltFromArraysOrSlicesAreEqual() {
        let bytes: [UInt8] = [9, 1, 2, 3, 9]
        let fromSlice = TLSExtension(type: .alpn, slice: bytes[1..<4])   // indices 1..<4, not from 0
        let fromArray = TLSExtension(type: .alpn, data: [1, 2, 3])
        #expect(fromSlice == fromArray && fromSlice.hashValue == fromArray.hashValue)
        #expect(fromSlice != TLSExtension(type: .alpn, data: [1, 2]))
    }
}
