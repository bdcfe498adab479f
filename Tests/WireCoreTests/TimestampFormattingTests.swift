import Testing
@testable import WireCore
import TestSupport

/// The fixed-layout formatter must print exactly what the padded-pieces formatter prints.
struct TimestampFormattingTests {
    static func expectBothLayoutsMatchTheGeneralForm(_ t: Timestamp, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(t.rfc3339 == t.rfc3339General, "\(t.seconds) s \(t.nanoseconds) ns", sourceLocation: sourceLocation)
        #expect(t.rfc3339Seconds == t.rfc3339SecondsGeneral, "\(t.seconds) s", sourceLocation: sourceLocation)
    }

    @Test func fixedLayoutEqualsTheGeneralFormatterOverManyValues() {
        var rng = SplitMix64(seed: 0x7157_d1a6)
        let span = UInt64(Timestamp.firstFiveDigitYearSecond - Timestamp.firstFourDigitYearSecond)
        for _ in 0..<100_000 {
            let seconds = Timestamp.firstFourDigitYearSecond + Int64(rng.next() % span)
            let nanos = Int32(rng.next() % 1_000_000_000)
            let t = Timestamp(seconds: seconds, nanoseconds: nanos)
            #expect(t.hasFixedRFC3339Layout)
            Self.expectBothLayoutsMatchTheGeneralForm(t)
        }
        // Capture-like times: every second of two days around a year boundary, odd nanoseconds.
        let newYear = Timestamp.unix(year: 2027, month: 1, day: 1)
        for s in stride(from: newYear - 86_400, to: newYear + 86_400, by: 7) {
            Self.expectBothLayoutsMatchTheGeneralForm(Timestamp(seconds: s, nanoseconds: Int32(s % 1_000_000_000 + 999)))
        }
    }

    @Test func edgeYearsLeapDaysAndNegativeTimesMatch() {
        let dates: [(Int, Int, Int)] = [
            (0, 1, 1), (0, 2, 29), (0, 3, 1), (1, 1, 1), (99, 12, 31), (100, 2, 28), (100, 3, 1), (999, 12, 31),
            (1000, 1, 1), (1600, 2, 29), (1700, 2, 28), (1700, 3, 1), (1900, 2, 28), (1900, 3, 1), (1969, 12, 31),
            (1970, 1, 1), (2000, 2, 29), (2000, 3, 1), (2024, 2, 29), (2024, 12, 31), (2038, 1, 19), (2100, 2, 28),
            (2100, 3, 1), (2400, 2, 29), (9999, 12, 31),
        ]
        for (y, m, d) in dates {
            let midnight = Timestamp.unix(year: y, month: m, day: d)
            for s in [midnight - 1, midnight, midnight + 1, midnight + 43_200, midnight + 86_399] {
                for nanos: Int32 in [0, 1, 999, 1000, 123_456_789, 999_999_999, -1, -999] {
                    Self.expectBothLayoutsMatchTheGeneralForm(Timestamp(seconds: s, nanoseconds: nanos))
                }
            }
        }
        #expect(Timestamp(seconds: -1, nanoseconds: 500_000).rfc3339 == "1969-12-31T23:59:59.000500Z")
        #expect(Timestamp(seconds: Timestamp.unix(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59),
                          nanoseconds: 999_999_999).rfc3339 == "2024-02-29T23:59:59.999999Z")
    }

    @Test func valuesOutsideTheFixedLayoutKeepTheGeneralForm() {
        let outside: [Timestamp] = [
            Timestamp(seconds: Timestamp.firstFourDigitYearSecond - 1, nanoseconds: 0),   // year -1
            Timestamp(seconds: Timestamp.firstFiveDigitYearSecond, nanoseconds: 0),       // year 10000
            Timestamp(seconds: Timestamp.unix(year: 12345, month: 6, day: 7), nanoseconds: 5),
            Timestamp(seconds: Timestamp.unix(year: -44, month: 3, day: 15), nanoseconds: 0),
            Timestamp(seconds: 0, nanoseconds: -1000),           // a negative microsecond count
            Timestamp(seconds: 0, nanoseconds: 1_000_000_000),   // seven microsecond digits
            Timestamp(seconds: 0, nanoseconds: Int32.max),
            Timestamp(seconds: Int64.max / 2, nanoseconds: 0),
            Timestamp(seconds: Int64.min / 2, nanoseconds: 0),
        ]
        for t in outside {
            Self.expectBothLayoutsMatchTheGeneralForm(t)
        }
        #expect(!outside[0].hasFixedRFC3339SecondsLayout && !outside[1].hasFixedRFC3339SecondsLayout)
        #expect(!outside[4].hasFixedRFC3339Layout && outside[4].hasFixedRFC3339SecondsLayout)
        #expect(Timestamp(seconds: Timestamp.firstFiveDigitYearSecond, nanoseconds: 0).rfc3339Seconds == "10000-01-01T00:00:00Z")
        #expect(Timestamp(seconds: Timestamp.firstFourDigitYearSecond, nanoseconds: 0).rfc3339 == "0000-01-01T00:00:00.000000Z")
    }

    @Test func aSharedDayCacheGivesTheSameTextAsAFreshOne() {
        var days = RFC3339DayCache()
        var rng = SplitMix64(seed: 42)
        var bytes = [UInt8](repeating: 0, count: Timestamp.rfc3339Length)
        func written(_ t: Timestamp, seconds: Bool) -> String {
            bytes.withUnsafeMutableBufferPointer { b in
                if seconds { t.writeRFC3339Seconds(into: b.baseAddress!, days: &days) } else { t.writeRFC3339(into: b.baseAddress!, days: &days) }
            }
            return String(decoding: bytes.prefix(seconds ? Timestamp.rfc3339SecondsLength : Timestamp.rfc3339Length), as: UTF8.self)
        }
        // Runs of times within a day, across midnight, before 1970, and jumps between far-apart days.
        var t = Timestamp.unix(year: 1969, month: 12, day: 31, hour: 23)
        for step in 0..<20_000 {
            t += step % 500 == 0 ? Int64(rng.next() % 10_000_000_000) - 5_000_000_000 : Int64(rng.next() % 7)
            t = min(max(t, Timestamp.firstFourDigitYearSecond), Timestamp.firstFiveDigitYearSecond - 1)
            let time = Timestamp(seconds: t, nanoseconds: Int32(rng.next() % 1_000_000_000))
            #expect(written(time, seconds: step % 3 == 0) == (step % 3 == 0 ? time.rfc3339SecondsGeneral : time.rfc3339General))
        }
    }

    @Test func writesTheLayoutInPlace() {
        let t = Timestamp(seconds: Timestamp.unix(year: 2026, month: 1, day: 5, hour: 10, minute: 22, second: 1), nanoseconds: 123_456_000)
        var bytes = [UInt8](repeating: 0, count: Timestamp.rfc3339Length + 1)
        bytes.withUnsafeMutableBufferPointer { t.writeRFC3339(into: $0.baseAddress!) }
        #expect(String(decoding: bytes.prefix(Timestamp.rfc3339Length), as: UTF8.self) == "2026-01-05T10:22:01.123456Z")
        #expect(bytes.last == 0, "nothing past the 27 bytes")
        bytes.withUnsafeMutableBufferPointer { t.writeRFC3339Seconds(into: $0.baseAddress!) }
        #expect(String(decoding: bytes.prefix(Timestamp.rfc3339SecondsLength), as: UTF8.self) == "2026-01-05T10:22:01Z")
    }
}
