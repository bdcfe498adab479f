/// RFC 3339 text written straight into a byte buffer. A report prints dozens of times per
/// connection (every transcript line has one), and building each from interpolated, padded
/// pieces cost about 4,700 instructions; writing the fixed layout in place costs about 100.
extension Timestamp {
    /// Bytes of `rfc3339` in the fixed layout: `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    public static let rfc3339Length = 27
    /// Bytes of `rfc3339Seconds` in the fixed layout: `YYYY-MM-DDTHH:MM:SSZ`.
    public static let rfc3339SecondsLength = 20

    /// 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the years that print as four digits.
    static let firstFourDigitYearSecond: Int64 = -62_167_219_200
    static let firstFiveDigitYearSecond: Int64 = 253_402_300_800

    /// True when `rfc3339Seconds` is the 20-byte layout: a year from 0 to 9999.
    public var hasFixedRFC3339SecondsLayout: Bool {
        seconds >= Self.firstFourDigitYearSecond && seconds < Self.firstFiveDigitYearSecond
    }

    /// True when `rfc3339` is the 27-byte layout: a year from 0 to 9999 and a microsecond count of
    /// six digits (the nanoseconds are truncated towards zero, as the general form does).
    public var hasFixedRFC3339Layout: Bool {
        hasFixedRFC3339SecondsLayout && nanoseconds > -1000 && nanoseconds < 1_000_000_000
    }

    /// Writes `rfc3339` (27 bytes) at `out`. Only for values with `hasFixedRFC3339Layout`.
    public func writeRFC3339(into out: UnsafeMutablePointer<UInt8>) {
        var days = RFC3339DayCache()
        writeRFC3339(into: out, days: &days)
    }

    /// Writes `rfc3339Seconds` (20 bytes) at `out`. Only for values with `hasFixedRFC3339SecondsLayout`.
    public func writeRFC3339Seconds(into out: UnsafeMutablePointer<UInt8>) {
        var days = RFC3339DayCache()
        writeRFC3339Seconds(into: out, days: &days)
    }

    /// `writeRFC3339(into:)` taking the date from `days` when it is the day `days` last wrote.
    public func writeRFC3339(into out: UnsafeMutablePointer<UInt8>, days: inout RFC3339DayCache) {
        precondition(hasFixedRFC3339Layout, "the fixed RFC 3339 layout needs a four-digit year")
        writeDateAndTime(into: out, days: &days)
        out[19] = UInt8(ascii: ".")
        let micros = UInt32(truncatingIfNeeded: nanoseconds / 1000)   // 0...999_999 (checked above)
        Self.writeTwoDigits(micros / 10_000, into: out + 20)
        Self.writeTwoDigits(micros / 100 % 100, into: out + 22)
        Self.writeTwoDigits(micros % 100, into: out + 24)
        out[26] = UInt8(ascii: "Z")
    }

    /// `writeRFC3339Seconds(into:)` taking the date from `days` when it is the day `days` last wrote.
    public func writeRFC3339Seconds(into out: UnsafeMutablePointer<UInt8>, days: inout RFC3339DayCache) {
        precondition(hasFixedRFC3339SecondsLayout, "the fixed RFC 3339 layout needs a four-digit year")
        writeDateAndTime(into: out, days: &days)
        out[19] = UInt8(ascii: "Z")
    }

    /// `YYYY-MM-DDTHH:MM:SS`, the 19 bytes both layouts start with.
    @inline(__always)
    private func writeDateAndTime(into out: UnsafeMutablePointer<UInt8>, days: inout RFC3339DayCache) {
        var day = seconds / 86400
        var secondOfDay = seconds % 86400
        if secondOfDay < 0 { secondOfDay += 86400; day -= 1 }
        if day != days.day {
            let (year, month, dayOfMonth, _, _, _) = Self.civil(fromUnix: day * 86400)
            Self.writeTwoDigits(UInt32(year / 100), into: out)
            Self.writeTwoDigits(UInt32(year % 100), into: out + 2)
            out[4] = UInt8(ascii: "-")
            Self.writeTwoDigits(UInt32(month), into: out + 5)
            out[7] = UInt8(ascii: "-")
            Self.writeTwoDigits(UInt32(dayOfMonth), into: out + 8)
            days.day = day
            days.date = (UnsafeRawPointer(out).loadUnaligned(as: UInt64.self), UnsafeRawPointer(out + 8).loadUnaligned(as: UInt16.self))
        } else {
            UnsafeMutableRawPointer(out).storeBytes(of: days.date.0, as: UInt64.self)
            UnsafeMutableRawPointer(out + 8).storeBytes(of: days.date.1, as: UInt16.self)
        }
        let time = UInt32(truncatingIfNeeded: secondOfDay)
        out[10] = UInt8(ascii: "T")
        Self.writeTwoDigits(time / 3600, into: out + 11)
        out[13] = UInt8(ascii: ":")
        Self.writeTwoDigits(time / 60 % 60, into: out + 14)
        out[16] = UInt8(ascii: ":")
        Self.writeTwoDigits(time % 60, into: out + 17)
    }

    /// `v` in 0...99 as two ASCII digits (unsigned arithmetic: division by a constant is a multiply).
    @inline(__always)
    private static func writeTwoDigits(_ v: UInt32, into out: UnsafeMutablePointer<UInt8>) {
        let tens = v / 10
        out[0] = UInt8(truncatingIfNeeded: 48 + tens)
        out[1] = UInt8(truncatingIfNeeded: 48 + v - tens * 10)
    }
}

/// The `YYYY-MM-DD` of the last day a fixed-layout time was written for: a connection's times
/// are usually all of one day, and the calendar arithmetic is most of the work.
public struct RFC3339DayCache: Sendable {
    /// Days since the epoch; `Int64.min` before the first time.
    fileprivate var day = Int64.min
    /// The date's ten bytes, as written.
    fileprivate var date: (UInt64, UInt16) = (0, 0)

    public init() {}
}
