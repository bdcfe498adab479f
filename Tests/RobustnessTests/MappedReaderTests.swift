import Testing
import Foundation
import WireCore
import Capture
import TestSupport

/// The memory-mapped pcap reader against libpcap's own: for every classic pcap fixture, cut short
/// and damaged, both readers must hand out the same frames (number, time, bytes, original length),
/// the same first and last time and the same read problem. Small windows make records cross window
/// edges often.
@Suite struct MappedReaderTests {
    struct Read: Equatable, CustomStringConvertible {
        var frames: [String] = []
        var count = 0
        var first: Timestamp?
        var last: Timestamp?
        var problem: String?
        var error: String?
        var description: String {
            "\(count) frames, first \(String(describing: first)), last \(String(describing: last)), problem \(problem ?? "none"), error \(error ?? "none"), last frame \(frames.last ?? "-")"
        }
    }

    static func read(_ path: String, mapping: Bool, window: Int? = nil, mappedUsed: UnsafeMutablePointer<Bool>? = nil) -> Read {
        var r = Read()
        do {
            let reader = try PcapFileReader(path: path, mapping: mapping, mappingWindow: window)
            mappedUsed?.pointee = reader.readsMapped
            reader.forEachFrame { f in
                // A digest per frame keeps the comparison cheap and the failure message short.
                var h: UInt64 = 1469598103934665603
                for b in f.bytes { h = (h ^ UInt64(b)) &* 1099511628211 }
                r.frames.append("#\(f.number) \(f.timestamp.seconds).\(f.timestamp.nanoseconds) \(f.bytes.count)/\(f.originalLength) \(String(h, radix: 16))")
            }
            r.count = reader.info.frames
            r.first = reader.info.firstTime
            r.last = reader.info.lastTime
            r.problem = reader.info.readProblem
        } catch {
            r.error = "\(error)"
        }
        return r
    }

    static let classic = Robust.fixtures.filter { !$0.bytes.starts(with: [0x0A, 0x0D, 0x0D, 0x0A]) }

    @Test func everyClassicFixtureIsReadMappedAndAgreesWithLibpcap() throws {
        #expect(Self.classic.count >= 20)
        var failures: [String] = []
        for (name, bytes) in Self.classic {
            let path = Robust.write(bytes, name: name)
            defer { try? FileManager.default.removeItem(atPath: path) }
            var used = false
            let mapped = Self.read(path, mapping: true, window: 1, mappedUsed: &used)
            let pcap = Self.read(path, mapping: false)
            if !used { failures.append("\(name): not read through the mapping") }
            if mapped != pcap { failures.append("\(name): mapped \(mapped) / libpcap \(pcap)") }
            if pcap.count == 0 { failures.append("\(name): no frames") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    @Test func cutShortTheReadersAgreeOnFramesAndTheReadProblem() throws {
        var failures: [String] = []
        var rng = SplitMix64(seed: 0x6d6d6170)
        for (name, bytes) in Self.classic.prefix(12) {
            var cuts = Set(0..<min(bytes.count, 60))
            for r in CaptureLayout.recordOffsets(bytes) {
                for d in [-1, 0, 1, 8, 15, 16, 17, 40] where r + d > 0 && r + d < bytes.count { cuts.insert(r + d) }
            }
            for _ in 0..<40 { cuts.insert(Int.random(in: 1..<bytes.count, using: &rng)) }
            for k in cuts.sorted() {
                let path = Robust.write(Array(bytes[0..<k]), name: "cut\(k)-\(name)")
                defer { try? FileManager.default.removeItem(atPath: path) }
                let mapped = Self.read(path, mapping: true, window: 1)
                let pcap = Self.read(path, mapping: false)
                if mapped != pcap { failures.append("\(name) cut at \(k): mapped \(mapped) / libpcap \(pcap)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) disagreements\n\(failures.prefix(8).joined(separator: "\n"))")
    }

    /// Damage aimed at the record headers (lengths over the snapshot and the file, odd timestamps) and
    /// at random bytes: wherever libpcap takes over, the frames and messages stay libpcap's.
    @Test func damagedRecordHeadersGiveTheSameFramesAsLibpcap() throws {
        var failures: [String] = []
        var rng = SplitMix64(seed: 0x68647273)
        for (name, original) in Self.classic.prefix(12) {
            let records = CaptureLayout.recordOffsets(original)
            guard !records.isEmpty else { continue }
            for round in 0..<30 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let r = records[Int.random(in: 0..<records.count, using: &rng)]
                    let field = [0, 4, 8, 12][Int.random(in: 0..<4, using: &rng)]
                    let value: UInt32 = [0, 1, 999_999, 1_000_000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 65_535, 65_536,
                                         262_144, 262_145, UInt32.random(in: 0...UInt32.max, using: &rng)][Int.random(in: 0..<12, using: &rng)]
                    for i in 0..<4 where r + field + i < bytes.count { bytes[r + field + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
                }
                if round % 3 == 0 {
                    let at = Int.random(in: 24..<bytes.count, using: &rng)
                    bytes[at] ^= UInt8.random(in: 1...255, using: &rng)
                }
                if round % 5 == 0 {
                    // The header's snapshot length, which libpcap sanitises: the readers must agree on it too.
                    let snap: UInt32 = [0, 64, 1_500, 262_144, 0xFFFF_FFFF][Int.random(in: 0..<5, using: &rng)]
                    for i in 0..<4 { bytes[16 + i] = UInt8(truncatingIfNeeded: snap >> (8 * UInt32(i))) }
                }
                let path = Robust.write(bytes, name: "dmg\(round)-\(name)")
                defer { try? FileManager.default.removeItem(atPath: path) }
                let mapped = Self.read(path, mapping: true, window: 1)
                let pcap = Self.read(path, mapping: false)
                if mapped != pcap {
                    failures.append("\(name) round \(round): mapped \(mapped) / libpcap \(pcap) [kept: \(Robust.keep(bytes, "mapped-dmg\(round)-\(name)"))]")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) disagreements\n\(failures.prefix(6).joined(separator: "\n"))")
    }

    @Test func otherByteOrderAndOldVersionsAreLeftToLibpcap() throws {
        let (name, bytes) = try #require(Self.classic.first { $0.name == "tls12_ok.pcap" })
        // The same capture written big-endian: every header field swapped.
        var swapped = bytes
        func swap4(_ o: Int) { swapped.swapAt(o, o + 3); swapped.swapAt(o + 1, o + 2) }
        swap4(0); swapped.swapAt(4, 5); swapped.swapAt(6, 7)
        for o in [8, 12, 16, 20] { swap4(o) }
        for r in CaptureLayout.recordOffsets(bytes) { for f in [0, 4, 8, 12] { swap4(r + f) } }
        var minor3 = bytes
        minor3[6] = 3
        for (label, variant) in [("big-endian", swapped), ("version 2.3", minor3)] {
            let path = Robust.write(variant, name: "\(label)-\(name)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            var used = true
            let mapped = Self.read(path, mapping: true, window: 1, mappedUsed: &used)
            #expect(!used, "\(label): should be read by libpcap")
            #expect(mapped == Self.read(path, mapping: false), "\(label)")
            #expect(mapped.count > 0, "\(label)")
        }
    }

    /// A file cut short by another program while it is read (a tcpdump ring rewriting it): the reader
    /// neither crashes nor analyses the vanished bytes, and says what happened. Cut while the next
    /// record lies in the page the file now ends in (it reads as zeros), and while it lies pages
    /// beyond the end (reading it faults: SIGBUS, which the guard turns into zeros and a stop).
    @Test(arguments: [false, true])
    func aFileThatShrinksWhileItIsReadStopsWithAClearProblem(nextRecordPagesAway: Bool) throws {
        let (name, bytes) = try #require(Self.classic.max { $0.bytes.count < $1.bytes.count })
        let records = CaptureLayout.recordOffsets(bytes)
        // The frame after which the file is cut: the next record starts in page 0, or after page 2.
        let cutAfter = try #require(nextRecordPagesAway ? records.firstIndex { $0 > 3 * 4096 } : 2)
        #expect(records.count > cutAfter + 2, "needs a fixture a few pages long: \(name)")
        let info = try Self.readMapped(bytes, name: "shrink-\(name)", cuttingTo: 24 + 100, afterFrame: cutAfter)
        let problem = try #require(info.readProblem)
        #expect(problem.contains("shrank"), "\(problem)")
        #expect(info.frames == cutAfter)
    }

    /// Reads `bytes` (written to a file) mapped, a page per window, and cuts the file to `size` bytes once
    /// `afterFrame` frames have been handed out.
    static func readMapped(_ bytes: [UInt8], name: String, cuttingTo size: Int, afterFrame: Int) throws -> CaptureInputInfo {
        let path = Robust.write(bytes, name: name)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try PcapFileReader(path: path, mapping: true, mappingWindow: 1)
        #expect(reader.readsMapped)
        var seen = 0
        reader.forEachFrame { _ in
            seen += 1
            if seen == afterFrame { _ = truncate(path, off_t(size)) }
        }
        return reader.info
    }

    /// A record that runs from one page onto the next, and the file cut where that next page starts: the
    /// record's tail now lies wholly past the end, and reading it faults. The reader touches the page of
    /// a record's last byte before handing the record out, so the record is not delivered (with a tail of
    /// zeros) and the read stops with the problem said. (A cut inside the record's last page reads zeros
    /// without a fault: that record is delivered, and the shrink is noticed after it.)
    @Test func aRecordWhoseLastPageIsCutAwayIsNotDelivered() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let (name, bytes) = try #require(Self.classic.max { $0.bytes.count < $1.bytes.count })
        let records = CaptureLayout.recordOffsets(bytes)
        func capturedLength(_ o: Int) -> Int {
            Int(bytes[o + 8]) | Int(bytes[o + 9]) << 8 | Int(bytes[o + 10]) << 16 | Int(bytes[o + 11]) << 24
        }
        // Not the first record, its header within one page, its last byte on a later page.
        let k = try #require((1..<records.count).first { i in
            let o = records[i], last = o + 16 + capturedLength(o) - 1
            return o / page >= 1 && o / page == (o + 15) / page && last / page > o / page
        }, "needs a fixture with a record across a page boundary: \(name)")
        // Cut after record k - 1 (0-based), before record k is handed out.
        let info = try Self.readMapped(bytes, name: "cut-page-\(name)", cuttingTo: (records[k] / page + 1) * page, afterFrame: k)
        #expect(info.readProblem?.contains("shrank") == true, "\(info.readProblem ?? "no problem said")")
        #expect(info.frames == k, "the record cut across the page was delivered")
    }
}
