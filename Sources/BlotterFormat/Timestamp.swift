#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An instant as the format writes it: RFC 3339 in UTC with `Z`, to the millisecond.
///
/// `recorded` has exactly three fractional digits; `at` has none or three. Leap seconds (`:60`)
/// and offsets other than `Z` are refused.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The current time from the system clock, truncated to the millisecond.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// How many fractional digits a parsed timestamp may have.
    public enum Precision: Sendable {
        /// Exactly three (`recorded`).
        case milliseconds
        /// None or three (`at`).
        case secondsOrMilliseconds
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.sss]Z`; nil if the text is anything else.
    public init?(rfc3339 text: String, precision: Precision) {
        let b = Array(text.utf8)
        let hasFraction: Bool
        switch (b.count, precision) {
        case (24, _): hasFraction = true
        case (20, .secondsOrMilliseconds): hasFraction = false
        default: return nil
        }
        func digits(_ range: Range<Int>) -> Int? {
            var v = 0
            for i in range {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[b.count - 1] == UInt8(ascii: "Z"),
              let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10),
              let hour = digits(11..<13), let minute = digits(14..<16), let second = digits(17..<19)
        else { return nil }
        var millis = 0
        if hasFraction {
            guard b[19] == UInt8(ascii: "."), let f = digits(20..<23) else { return nil }
            millis = f
        }
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        milliseconds = ((Int64(days) * 24 + Int64(hour)) * 60 + Int64(minute)) * 60_000 + Int64(second) * 1000 + Int64(millis)
    }

    /// Parses an RFC 3339 date-time in UTC (`Z`, as ``init(rfc3339:precision:)`` with seconds or
    /// milliseconds) or with a numeric offset (`2009-03-14T10:15:00-05:00`), as the UTC instant.
    public init?(rfc3339WithOffset text: String) {
        if let utc = Timestamp(rfc3339: text, precision: .secondsOrMilliseconds) { self = utc; return }
        let b = Array(text.utf8)
        guard b.count == 25 || b.count == 29 else { return nil }
        let sign = b[b.count - 6]
        guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), b[b.count - 3] == UInt8(ascii: ":"),
              let h = Int(String(decoding: b[(b.count - 5)..<(b.count - 3)], as: UTF8.self)),
              let m = Int(String(decoding: b[(b.count - 2)...], as: UTF8.self)), h < 24, m < 60,
              let local = Timestamp(rfc3339: String(decoding: b[..<(b.count - 6)], as: UTF8.self) + "Z", precision: .secondsOrMilliseconds)
        else { return nil }
        let shift = Int64(h * 60 + m) * 60_000 * (sign == UInt8(ascii: "+") ? 1 : -1)
        self.init(milliseconds: local.milliseconds - shift)
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`.
    public var rfc3339Milliseconds: String { format(fraction: true) }

    /// `YYYY-MM-DDTHH:MM:SSZ` when the milliseconds are zero, else with three fractional digits.
    public var rfc3339: String { format(fraction: milliseconds % 1000 != 0) }

    public var description: String { rfc3339Milliseconds }

    private func format(fraction: Bool) -> String {
        var ms = milliseconds % 86_400_000
        var days = milliseconds / 86_400_000
        if ms < 0 { ms += 86_400_000; days -= 1 }
        let (y, m, d) = Self.civilFromDays(Int(days))
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var s = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(ms / 3_600_000), 2)):\(pad(Int(ms / 60_000 % 60), 2)):\(pad(Int(ms / 1000 % 60), 2))"
        if fraction { s += ".\(pad(Int(ms % 1000), 3))" }
        return s + "Z"
    }

    package static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
