import Testing
@testable import Reports

/// `JSONWriter.double` writes whole numbers of microseconds (rounded durations) without a
/// String; the bytes must be exactly `String(v)`'s, for every value.
struct JSONDoubleTests {
    static func written(_ v: Double) -> String {
        var w = JSONWriter()
        w.double(v)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    /// A seeded generator (SplitMix64): the same values on every run.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    @Test func roundedDurationsPrintAsStringOfTheDoubleDoes() {
        var rng = SplitMix(state: 0x5eed)
        var mismatches: [String] = []
        for i in 0..<300_000 {
            // Microsecond counts of every magnitude, from below the fast path's range to past it.
            let digits = i % 17
            let limit = digits == 0 ? 10 : Self.pow10(digits)
            let n = Double(rng.next() % limit)
            let v = (i & 1 == 0 ? n : -n) / 1e6
            if Self.written(v) != String(v) { mismatches.append("\(n) -> \(Self.written(v)) vs \(String(v))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func durationsComputedAsTheReportDoesPrintAsStringOfTheDoubleDoes() {
        var rng = SplitMix(state: 42)
        var mismatches: [String] = []
        for _ in 0..<200_000 {
            let seconds = Double(rng.next() % 4_000_000_000) / 1e6 * Double(1 + rng.next() % 1000)
            let v = (seconds * 1e6).rounded() / 1e6
            if Self.written(v) != String(v) { mismatches.append("\(v): \(Self.written(v)) vs \(String(v))") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func edgeValuesPrintAsStringOfTheDoubleDoes() {
        let values: [Double] = [0, -0.0, 1e-6, 9.9e-5, 1e-4, 0.0001, 0.00012, 0.001, 0.1, 0.5, 1, 10, 99.999999,
                                100, 1e6, 123456.789012, 999_999_999.999999, 1e9, 1e15, 1e16, 0.1 + 0.2,
                                .pi, .ulpOfOne, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.0 / 3.0]
        for v in values {
            #expect(Self.written(v) == String(v), "\(v)")
        }
        #expect(Self.written(.nan) == "null")
        #expect(Self.written(.infinity) == "null")
    }

    static func pow10(_ n: Int) -> UInt64 { (0..<n).reduce(1) { r, _ in r * 10 } }
}
