public import BlotterFormat
public import BlotterLog
/// Statutory deadlines for completing a misconduct investigation.
public enum DeadlineRule: String, Sendable, CaseIterable {
    /// California Government Code 3304(d)(1): one year from discovery, tolled under (d)(2).
    case californiaOneYear = "ca-gc-3304"
    /// New York Civil Service Law 75(4): 18 months from the occurrence.
    case newYorkEighteenMonths = "ny-csl-75"
    /// No statutory deadline.
    case none = "none"

    public var summary: String {
        switch self {
        case .californiaOneYear: return "California Gov. Code 3304(d): 1 year from discovery, plus tolled time"
        case .newYorkEighteenMonths: return "New York Civil Service Law 75(4): 18 months from the occurrence, plus tolled time"
        case .none: return "no statutory deadline"
        }
    }
}

/// A calendar date, as days since 1970-01-01 (proleptic Gregorian), without time zones.
public struct CalendarDate: Sendable, Comparable, Hashable, CustomStringConvertible {
    public let days: Int64

    public init(days: Int64) { self.days = days }

    public init(year: Int64, month: Int64, day: Int64) {
        days = Int64(Timestamp.daysFromCivil(year: Int(year), month: Int(month), day: Int(day)))
    }

    /// Reads `YYYY-MM-DD`, or the date part of an RFC 3339 time.
    public init?(_ text: String) {
        let b = Array(text.utf8.prefix(10))
        guard b.count == 10, b[4] == 45, b[7] == 45 else { return nil }
        func n(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r { guard b[i] >= 48, b[i] <= 57 else { return nil }; v = v * 10 + Int64(b[i] - 48) }
            return v
        }
        guard let y = n(0..<4), let m = n(5..<7), let d = n(8..<10), (1...12).contains(m), d >= 1, d <= CalendarDate.daysIn(y, m) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public init(_ time: Timestamp) { days = Int64((Double(time.milliseconds) / 86_400_000).rounded(.down)) }

    static func daysIn(_ y: Int64, _ m: Int64) -> Int64 { Int64(Timestamp.daysIn(month: Int(m), year: Int(y))) }

    public var components: (year: Int64, month: Int64, day: Int64) {
        let (y, m, d) = Timestamp.civilFromDays(Int(days))
        return (Int64(y), Int64(m), Int64(d))
    }

    /// The same day `months` later; the last day of the month where that day does not exist.
    public func adding(months: Int64) -> CalendarDate {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let ny = total / 12, nm = total % 12 + 1
        return CalendarDate(year: ny, month: nm, day: min(d, CalendarDate.daysIn(ny, nm)))
    }

    public func adding(days n: Int64) -> CalendarDate { CalendarDate(days: days + n) }

    public var description: String {
        let (y, m, d) = components
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }

    public static func < (a: CalendarDate, b: CalendarDate) -> Bool { a.days < b.days }
}

/// A case's deadline under its rule: the due date moved out by every tolled day.
public struct Deadline: Sendable, Equatable {
    public let rule: String
    /// Where the period starts: the discovery date (California) or the occurrence (New York).
    public let start: CalendarDate
    public let due: CalendarDate?
    public let tolledDays: Int64
    public let tolling: Bool
    public let daysLeft: Int64?
    public let overdue: Bool

    /// - Parameters:
    ///   - tolls: paused periods, `end` nil while still paused (counted up to `today`).
    ///   - closedOn: for a closed case, the day it closed: days left and overdue are judged then.
    public static func compute(rule: DeadlineRule, discovery: CalendarDate, occurrence: CalendarDate?,
                               tolls: [(start: CalendarDate, end: CalendarDate?)], today: CalendarDate, closedOn: CalendarDate?) -> Deadline {
        let asOf = closedOn ?? today
        var tolled: Int64 = 0
        var open = false
        for t in tolls {
            let end = t.end ?? asOf
            if t.end == nil { open = true }
            tolled += max(0, end.days - t.start.days)
        }
        let start: CalendarDate
        let base: CalendarDate?
        switch rule {
        case .californiaOneYear:
            start = discovery
            base = discovery.adding(months: 12)
        case .newYorkEighteenMonths:
            start = occurrence ?? discovery
            base = start.adding(months: 18)
        case .none:
            start = discovery
            base = nil
        }
        let due = base?.adding(days: tolled)
        let left = due.map { $0.days - asOf.days }
        return Deadline(rule: rule.rawValue, start: start, due: due, tolledDays: tolled, tolling: open && closedOn == nil,
                        daysLeft: left, overdue: (left ?? 0) < 0)
    }
}
