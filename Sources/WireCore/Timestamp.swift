/// A capture timestamp: seconds since the Unix epoch and nanoseconds. Value type, no Foundation.
public struct Timestamp: Sendable, Hashable, Comparable {
    public var seconds: Int64
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Seconds as a floating value, for durations and plots.
    public var timeInterval: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    public func difference(from other: Timestamp) -> Double { timeInterval - other.timeInterval }

    /// RFC 3339 in UTC with microseconds, e.g. `2026-01-05T10:22:01.123456Z`.
    /// Every capture time has the fixed 27-byte layout, written in place (`writeRFC3339(into:)`);
    /// other values (years outside 0–9999, nanoseconds outside a second) keep the general form.
    public var rfc3339: String {
        guard hasFixedRFC3339Layout else { return rfc3339General }
        return String(unsafeUninitializedCapacity: Self.rfc3339Length) { buffer in
            writeRFC3339(into: buffer.baseAddress!)
            return Self.rfc3339Length
        }
    }

    /// RFC 3339 without fractional seconds, for certificate validity dates (fixed 20-byte layout
    /// for years 0–9999, the general form otherwise).
    public var rfc3339Seconds: String {
        guard hasFixedRFC3339SecondsLayout else { return rfc3339SecondsGeneral }
        return String(unsafeUninitializedCapacity: Self.rfc3339SecondsLength) { buffer in
            writeRFC3339Seconds(into: buffer.baseAddress!)
            return Self.rfc3339SecondsLength
        }
    }

    /// The padded-pieces formatter, for any value: a year or a microsecond count that does not fit
    /// its width is written in full, a negative one with its sign inside the padding.
    var rfc3339General: String {
        let (y, mo, d, h, mi, s) = Self.civil(fromUnix: seconds)
        let micros = Int(nanoseconds / 1000)
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(micros, 6))Z"
    }

    var rfc3339SecondsGeneral: String {
        let (y, mo, d, h, mi, s) = Self.civil(fromUnix: seconds)
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2))Z"
    }

    /// Civil date from Unix seconds (Howard Hinnant's days-from-civil inverse), proleptic Gregorian, UTC.
    public static func civil(fromUnix t: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = t / 86400
        var rem = t % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d), Int(rem / 3600), Int(rem % 3600 / 60), Int(rem % 60))
    }

    /// Unix seconds from a civil UTC date.
    public static func unix(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Parses RFC 3339 / ISO 8601 (`2026-01-05T10:22:01Z`, `2026-01-05T10:22:01.5+01:00`,
    /// `2026-01-05 10:22:01`, `2026-01-05`). Returns nil on anything else.
    public init?(rfc3339 text: String) {
        let u = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= u.count else { return nil }
            var v = 0
            for i in from..<from + len {
                guard u[i] >= 48, u[i] <= 57 else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), u.count >= 10, u[4] == 45, let mo = num(5, 2), u[7] == 45, let d = num(8, 2),
              (1...12).contains(mo), (1...31).contains(d) else { return nil }
        var h = 0, mi = 0, s = 0, nanos = 0, offset = 0
        var i = 10
        if i < u.count {
            guard u[i] == 84 || u[i] == 116 || u[i] == 32, let hh = num(11, 2), u.count > 13, u[13] == 58,
                  let mm = num(14, 2) else { return nil }
            h = hh; mi = mm; i = 16
            if i < u.count, u[i] == 58 { guard let ss = num(17, 2) else { return nil }; s = ss; i = 19 }
            if i < u.count, u[i] == 46 {
                i += 1
                var digits = 0
                while i < u.count, u[i] >= 48, u[i] <= 57 {
                    if digits < 9 { nanos = nanos * 10 + Int(u[i] - 48); digits += 1 }
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<9 { nanos *= 10 }
            }
            if i < u.count {
                if u[i] == 90 || u[i] == 122 { i += 1 }
                else if u[i] == 43 || u[i] == 45 {
                    guard let oh = num(i + 1, 2), i + 3 < u.count, u[i + 3] == 58, let om = num(i + 4, 2) else { return nil }
                    offset = (oh * 3600 + om * 60) * (u[i] == 43 ? 1 : -1)
                    i += 6
                } else { return nil }
            }
            guard i == u.count, h < 24, mi < 60, s < 61 else { return nil }
        }
        self.seconds = Self.unix(year: y, month: mo, day: d, hour: h, minute: mi, second: s) - Int64(offset)
        self.nanoseconds = Int32(nanos)
    }
}

@inline(__always) private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
