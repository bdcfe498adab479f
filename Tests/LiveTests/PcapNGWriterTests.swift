import Testing
import Foundation
@testable import Capture
import WireCore

/// The -w file: pcapng that libpcap (and so `tlsdiag analyze`, tcpdump, Wireshark) reads back frame
/// for frame, and that is complete after every flush, even if the process dies before `close`.
@Suite struct PcapNGWriterTests {
    static func frames() -> [(Timestamp, [UInt8], Int)] {
        // Lengths that exercise the 4-byte padding; one frame cut by the snaplen (caplen < len).
        [(Timestamp(seconds: 1_764_000_000, nanoseconds: 123_456_789), Array(0..<60).map { UInt8($0) }, 60),
         (Timestamp(seconds: 1_764_000_001, nanoseconds: 1), Array(repeating: 0xab, count: 61), 61),
         (Timestamp(seconds: 1_764_000_001, nanoseconds: 999_999_999), Array(repeating: 0x5a, count: 62), 1514),
         (Timestamp(seconds: 1_764_000_002, nanoseconds: 500_000_000), Array(repeating: 0x01, count: 63), 63)]
    }

    static func write(_ path: String, nanosecond: Bool, close: Bool, drops: UInt64 = 0) throws -> PcapNGWriter {
        let w = try PcapNGWriter(path: path, header: .init(interface: "veth-test", linkType: .ethernet, snaplen: 262_144,
                                                           filter: "tcp port 5061", nanosecond: nanosecond, application: "tlsdiag tests"))
        for (i, (ts, bytes, len)) in frames().enumerated() {
            bytes.withUnsafeBytes { b in
                w.write(CapturedFrame(number: i + 1, timestamp: ts, linkType: .ethernet, bytes: b, originalLength: len),
                        dropsBefore: i == 2 ? drops : 0)
            }
        }
        var stats = LiveStats()
        stats.received = 10; stats.kernelDropped = drops
        if close { w.close(stats: stats, start: frames()[0].0, end: frames()[3].0) } else { w.flush() }
        return w
    }

    static func readBack(_ path: String) throws -> (CaptureInputInfo, [(Timestamp, [UInt8], Int)]) {
        let r = try PcapFileReader(path: path)
        var got: [(Timestamp, [UInt8], Int)] = []
        r.forEachFrame { f in got.append((f.timestamp, Array(f.bytes), f.originalLength)) }
        return (r.info, got)
    }

    /// A file in the system temporary directory (each test removes its own).
    static func tempPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tlsdiag-pcapng-\(getpid())-\(name)").path
    }

    @Test(arguments: [true, false])
    func libpcapReadsBackEveryFrameWithItsTimeAndLengths(nanosecond: Bool) throws {
        let path = Self.tempPath("rw-\(nanosecond).pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try Self.write(path, nanosecond: nanosecond, close: true, drops: 7)
        let (info, got) = try Self.readBack(path)
        #expect(info.format == .pcapng)
        #expect(info.linkTypes == [.ethernet])
        #expect(info.readProblem == nil)
        #expect(got.count == 4)
        for (g, e) in zip(got, Self.frames()) {
            #expect(g.1 == e.1)
            #expect(g.2 == e.2)
            #expect(g.0.seconds == e.0.seconds)
            // Microsecond files keep microseconds.
            #expect(g.0.nanoseconds == (nanosecond ? e.0.nanoseconds : e.0.nanoseconds / 1000 * 1000))
        }
    }

    @Test func aFlushedFileIsCompleteWithoutClose() throws {
        // What Ctrl-C twice or a kill leaves: blocks are written whole at each flush.
        let path = Self.tempPath("unclosed.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let w = try Self.write(path, nanosecond: true, close: false)
        let (info, got) = try Self.readBack(path)
        #expect(got.count == 4)
        #expect(info.readProblem == nil)
        withExtendedLifetime(w) {}
    }

    @Test func blocksAreFramedAndTheStatisticsBlockCarriesTheDrops() throws {
        let path = Self.tempPath("blocks.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try Self.write(path, nanosecond: true, close: true, drops: 42)
        let data = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func u32(_ o: Int) -> UInt32 { data[o..<o + 4].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) } }
        func u16(_ o: Int) -> UInt16 { data[o..<o + 2].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) } }
        var offset = 0
        var types: [UInt32] = []
        var epbDropcount: UInt64?
        var isbOSDrop: UInt64?
        while offset < data.count {
            let type = u32(offset), length = Int(u32(offset + 4))
            #expect(length % 4 == 0)
            #expect(u32(offset + length - 4) == UInt32(length), "trailing length of block \(types.count)")
            types.append(type)
            // Walk options: EPB options follow the padded packet data; ISB's follow 12 bytes of body.
            var o: Int? = nil
            if type == 6 { o = offset + 28 + ((Int(u32(offset + 20)) + 3) & ~3) }
            if type == 5 { o = offset + 20 }
            if var p = o {
                while p < offset + length - 4 {
                    let code = u16(p), len = Int(u16(p + 2))
                    if code == 0 { break }
                    let value = data[p + 4..<p + 12].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                    if type == 6 && code == 4 { epbDropcount = value }
                    if type == 5 && code == 7 { isbOSDrop = value }
                    p += 4 + ((len + 3) & ~3)
                }
            }
            offset += length
        }
        #expect(offset == data.count)
        #expect(types == [0x0A0D_0D0A, 1, 6, 6, 6, 6, 5])
        #expect(epbDropcount == 42)
        #expect(isbOSDrop == 42)
    }

    @Test func anUnwritablePathIsOneLineNamingTheFile() {
        #expect(throws: CaptureError.self) {
            _ = try PcapNGWriter(path: "/nonexistent-dir/x.pcapng", header: .init(interface: "lo", linkType: .ethernet, snaplen: 65535,
                                                                                  filter: nil, nanosecond: true, application: "t"))
        }
        do {
            _ = try PcapNGWriter(path: "/nonexistent-dir/x.pcapng", header: .init(interface: "lo", linkType: .ethernet, snaplen: 65535,
                                                                                  filter: nil, nanosecond: true, application: "t"))
        } catch {
            #expect(error.description.hasPrefix("/nonexistent-dir/x.pcapng: cannot write the capture file"))
            #expect(!error.description.contains("\n"))
        }
    }
}
