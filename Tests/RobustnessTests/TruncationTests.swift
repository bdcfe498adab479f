import Testing
import Foundation
import Capture
import TestSupport

/// Every fixture cut short: at every byte offset for the small ones; for the others at every offset
/// of the file header and first record, around every frame (block) boundary, and at a few hundred
/// seeded random offsets. The tool never crashes or hangs, and either analyses the frames before
/// the cut (saying the file ends mid-packet) or names the file and what is wrong with it.
@Suite struct TruncationTests {
    /// Files up to this size are cut at every byte.
    static let everyByteLimit = 1_200
    static let randomCuts = 120

    static func cuts(for bytes: [UInt8], seed: UInt64) -> [Int] {
        let n = bytes.count
        if n <= everyByteLimit { return Array(0..<n) }
        var set = Set(0..<min(n, 80))
        for r in CaptureLayout.recordOffsets(bytes) {
            for d in [-1, 0, 1, 8, 15, 16, 17, 40] where r + d > 0 && r + d < n { set.insert(r + d) }
        }
        var rng = SplitMix64(seed: seed)
        for _ in 0..<randomCuts { set.insert(Int.random(in: 1..<n, using: &rng)) }
        return set.sorted()
    }

    @Test(arguments: Robust.fixtures.map(\.name))
    func fixtureCutAnywhereIsAnalysedUpToTheCutOrRefusedClearly(name: String) throws {
        let bytes = try #require(Robust.fixtures.first { $0.name == name }?.bytes)
        let isPcapng = bytes.starts(with: [0x0A, 0x0D, 0x0D, 0x0A])
        let records = CaptureLayout.recordOffsets(bytes)
        // Classic pcap: the frame records, with where each one ends.
        let frameEnds: [Int] = isPcapng ? [] : records.indices.map { i in i + 1 < records.count ? records[i + 1] : bytes.count }
        var failures: [String] = []
        for k in Self.cuts(for: bytes, seed: UInt64(name.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 })) {
            let o = Robust.analyze(Array(bytes[0..<k]), name: "cut\(k)-\(name)")
            if let p = Robust.problem(o, checkJSON: false) {
                failures.append("cut at \(k): \(p) [kept: \(Robust.keep(Array(bytes[0..<k]), "cut\(k)-\(name)"))]")
                continue
            }
            guard !isPcapng else { continue }
            if k >= 24 {
                // A complete file header: never an input error; exactly the complete frames are analysed.
                guard let info = o.input.info, o.input.error == nil else {
                    failures.append("cut at \(k): refused although the header is complete: \(o.input.error?.description ?? "?")")
                    continue
                }
                let complete = frameEnds.filter { $0 <= k }.count
                if info.frames != complete { failures.append("cut at \(k): \(info.frames) frames analysed, \(complete) complete") }
                let atBoundary = k == 24 || frameEnds.contains(k)
                if atBoundary == (info.readProblem != nil) {
                    failures.append("cut at \(k): read problem \(info.readProblem ?? "none") at a \(atBoundary ? "" : "non-")boundary")
                }
            } else if o.input.error == nil {
                failures.append("cut at \(k): a \(k)-byte file was accepted as a capture")
            }
        }
        #expect(failures.isEmpty, "\(name): \(failures.count) failures\n\(failures.prefix(10).joined(separator: "\n"))")
    }
}
