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
        precondition(hasFixedRFC3339Layout, "the fixed RFC 3339 layout needs a four-digit year")
        writeDateAndTime(into: out)
        out[19] = UInt8(ascii: ".")
        let micros = Int(nanoseconds / 1000)   // 0...999_999 (checked above)
        Self.writeTwoDigits(micros / 10_000, into: out + 20)
        Self.writeTwoDigits(micros / 100 % 100, into: out + 22)
        Self.writeTwoDigits(micros % 100, into: out + 24)
        out[26] = UInt8(ascii: "Z")
    }

    /// Writes `rfc3339Seconds` (20 bytes) at `out`. Only for values with `hasFixedRFC3339SecondsLayout`.
    public func writeRFC3339Seconds(into out: UnsafeMutablePointer<UInt8>) {
        precondition(hasFixedRFC3339SecondsLayout, "the fixed RFC 3339 layout needs a four-digit year")
        writeDateAndTime(into: out)
        out[19] = UInt8(ascii: "Z")
    }

    /// `YYYY-MM-DDTHH:MM:SS`, the 19 bytes both layouts start with.
    @inline(__always)
    private func writeDateAndTime(into out: UnsafeMutablePointer<UInt8>) {
        let (year, month, day, hour, minute, second) = Self.civil(fromUnix: seconds)
        Self.writeTwoDigits(year / 100, into: out)
        Self.writeTwoDigits(year % 100, into: out + 2)
        out[4] = UInt8(ascii: "-")
        Self.writeTwoDigits(month, into: out + 5)
        out[7] = UInt8(ascii: "-")
        Self.writeTwoDigits(day, into: out + 8)
        out[10] = UInt8(ascii: "T")
        Self.writeTwoDigits(hour, into: out + 11)
        out[13] = UInt8(ascii: ":")
        Self.writeTwoDigits(minute, into: out + 14)
        out[16] = UInt8(ascii: ":")
        Self.writeTwoDigits(second, into: out + 17)
    }

    /// `v` in 0...99 as two ASCII digits.
    @inline(__always)
    private static func writeTwoDigits(_ v: Int, into out: UnsafeMutablePointer<UInt8>) {
        out[0] = UInt8(truncatingIfNeeded: 48 + v / 10)
        out[1] = UInt8(truncatingIfNeeded: 48 + v % 10)
    }
}
