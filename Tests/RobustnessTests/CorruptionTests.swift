import Testing
import Foundation
import TestSupport

/// Every fixture with seeded random damage: flipped bits, overwritten runs, inserted and deleted
/// bytes (which shift all framing after them), duplicated and swapped chunks, lengths set to
/// extremes. The tool never crashes or hangs, and what it prints as JSON is always valid JSON.
@Suite struct CorruptionTests {
    static let variantsPerFixture = 8

    enum Damage: CaseIterable { case flipBits, overwriteRun, insertBytes, deleteBytes, duplicateChunk, swapChunks, extremeLength, keepHeaderScramble }

    static func corrupt(_ original: [UInt8], seed: UInt64) -> (bytes: [UInt8], what: String) {
        var rng = SplitMix64(seed: seed)
        var b = original
        var what: [String] = []
        let rounds = Int.random(in: 1...4, using: &rng)
        for _ in 0..<rounds where b.count > 32 {
            // Mostly leave the 24-byte file header alone, so the damage reaches the frames.
            let lo = Int.random(in: 0..<10, using: &rng) == 0 ? 0 : 24
            let at = Int.random(in: lo..<b.count, using: &rng)
            switch Damage.allCases.randomElement(using: &rng)! {
            case .flipBits:
                for _ in 0..<Int.random(in: 1...16, using: &rng) {
                    let i = Int.random(in: lo..<b.count, using: &rng)
                    b[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                }
                what.append("flip")
            case .overwriteRun:
                let n = min(Int.random(in: 1...64, using: &rng), b.count - at)
                let v: UInt8 = [0x00, 0xff, 0x16, 0x80, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
                for i in at..<(at + n) { b[i] = v }
                what.append("run\(n)@\(at)")
            case .insertBytes:
                let n = Int.random(in: 1...32, using: &rng)
                b.insert(contentsOf: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
                what.append("ins\(n)@\(at)")
            case .deleteBytes:
                let n = min(Int.random(in: 1...32, using: &rng), b.count - at)
                b.removeSubrange(at..<(at + n))
                what.append("del\(n)@\(at)")
            case .duplicateChunk:
                let n = min(Int.random(in: 16...600, using: &rng), b.count - at)
                b.insert(contentsOf: b[at..<(at + n)], at: Int.random(in: lo...b.count, using: &rng))
                what.append("dup\(n)@\(at)")
            case .swapChunks:
                let n = min(Int.random(in: 8...200, using: &rng), (b.count - at) / 2)
                guard n > 0 else { continue }
                let x = Array(b[at..<(at + n)]), y = Array(b[(at + n)..<(at + 2 * n)])
                b.replaceSubrange(at..<(at + 2 * n), with: y + x)
                what.append("swap\(n)@\(at)")
            case .extremeLength:
                // A 16- or 24-bit field set to its maximum: record lengths, handshake lengths, caplen.
                let n = min(Int.random(in: 2...4, using: &rng), b.count - at)
                for i in at..<(at + n) { b[i] = 0xff }
                what.append("max\(n)@\(at)")
            case .keepHeaderScramble:
                // Shuffle a whole frame's worth of bytes.
                let n = min(Int.random(in: 20...120, using: &rng), b.count - at)
                var chunk = Array(b[at..<(at + n)])
                chunk.shuffle(using: &rng)
                b.replaceSubrange(at..<(at + n), with: chunk)
                what.append("shuffle\(n)@\(at)")
            }
        }
        return (b, what.joined(separator: ","))
    }

    @Test(arguments: Robust.fixtures.map(\.name))
    func damagedFixtureNeverCrashesAndItsJSONStaysValid(name: String) throws {
        let bytes = try #require(Robust.fixtures.first { $0.name == name }?.bytes)
        var failures: [String] = []
        for v in 0..<Self.variantsPerFixture {
            let seed = UInt64(v) << 32 | UInt64(name.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 })
            let (damaged, what) = Self.corrupt(bytes, seed: seed)
            let o = Robust.analyze(damaged, name: "v\(v)-\(name)")
            if let p = Robust.problem(o, checkJSON: true) {
                failures.append("variant \(v) (seed \(seed), \(what)): \(p) [kept: \(Robust.keep(damaged, "v\(v)-\(name)"))]")
            }
        }
        #expect(failures.isEmpty, "\(name):\n\(failures.joined(separator: "\n"))")
    }
}
