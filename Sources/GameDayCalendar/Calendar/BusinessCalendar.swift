import Foundation
import GameDayCore

/// Business days, holidays, freezes and daily windows in one IANA time zone. Pure: no clock, no I/O.
///
/// A **business day** is a configured workday that is not a holiday. Blackout days are still business days (people
/// are at work, nothing may break), so minimum gaps and the quarter rule count them.
public struct BusinessCalendar: Sendable {
    public var timeZone: TimeZone
    public var workdays: Set<Weekday>
    public var hours: BusinessHours
    public var holidays: Set<CivilDate>
    public var blackouts: [Blackout]

    public init(timeZone: TimeZone, workdays: Set<Weekday>, hours: BusinessHours, holidays: Set<CivilDate> = [],
                blackouts: [Blackout] = []) {
        self.timeZone = timeZone; self.workdays = workdays; self.hours = hours; self.holidays = holidays
        self.blackouts = blackouts
    }

    /// Longest walk over days any question here takes (bounds every loop, whatever the configuration).
    static let maxScanDays = 3700

    /// A configured workday that is not a holiday (blackouts do not change this).
    public func isBusinessDay(_ date: CivilDate) -> Bool {
        workdays.contains(date.weekday) && !holidays.contains(date)
    }

    /// Whether a day may host runs, and if so its window; otherwise why not.
    public func status(of date: CivilDate) -> DayStatus {
        if !workdays.contains(date.weekday) { return .excluded(.notWorkday(date.weekday)) }
        if holidays.contains(date) { return .excluded(.holiday) }
        for blackout in blackouts {
            switch blackout {
            case .range(let from, let to, let reason):
                if from <= date && date <= to { return .excluded(.blackout(reason ?? "blackout \(from) to \(to)")) }
            case .lastBusinessDaysOfQuarter(let count, let reason):
                if isAmongLastBusinessDaysOfQuarter(date, count: count) {
                    return .excluded(.blackout(reason ?? "last \(count) business days of the quarter"))
                }
            }
        }
        return .eligible(window(on: date))
    }

    /// The window on a date: the configured hours as instants in the time zone (so DST days are shorter or longer).
    public func window(on date: CivilDate) -> DayWindow {
        DayWindow(date: date, start: instant(date, hours.start), end: instant(date, hours.end))
    }

    /// Whether `date` is one of the last `count` business days of its quarter.
    public func isAmongLastBusinessDaysOfQuarter(_ date: CivilDate, count: Int) -> Bool {
        guard count > 0, isBusinessDay(date) else { return false }
        var day = date.endOfQuarter
        var seen = 0
        while day >= date && seen < count {
            if isBusinessDay(day) {
                if day == date { return true }
                seen += 1
            }
            day = day.adding(days: -1)
        }
        return false
    }

    /// Whether at least `minimum` business days lie after `last` up to and including `date`.
    public func businessDays(atLeast minimum: Int, after last: CivilDate, upTo date: CivilDate) -> Bool {
        guard minimum > 0 else { return true }
        guard last < date else { return false }
        var count = 0
        var day = date
        var steps = 0
        while day > last && steps < Self.maxScanDays {
            if isBusinessDay(day) { count += 1; if count >= minimum { return true } }
            day = day.adding(days: -1)
            steps += 1
        }
        return steps >= Self.maxScanDays
    }

    /// The local date an instant falls on.
    public func localDate(of instant: Date) -> CivilDate {
        let t = Int(instant.timeIntervalSince1970.rounded(.down))
        let local = t + timeZone.secondsFromGMT(for: instant)
        return CivilDate(ordinal: Int((Double(local) / 86_400).rounded(.down)))
    }

    /// The instant of a local date and time of day.
    ///
    /// A time skipped by a DST change (02:30 on a spring-forward day) maps to the same distance after the change
    /// (03:30); a time that happens twice (02:30 on a fall-back day) maps to the first occurrence.
    public func instant(_ date: CivilDate, _ time: TimeOfDay) -> Date {
        let naive = date.ordinal * 86_400 + time.secondsAfterMidnight
        let before = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 86_400)))
        let after = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 86_400)))
        var valid: [Int] = []
        for offset in Set([before, after]) {
            let candidate = naive - offset
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(candidate))) == offset {
                valid.append(candidate)
            }
        }
        let chosen = valid.min() ?? (naive - before)
        return Date(timeIntervalSince1970: TimeInterval(chosen))
    }

    /// `2027-03-29 09:00 +02:00`: an instant in the calendar's zone with its UTC offset.
    public func format(_ instant: Date, seconds: Bool = false) -> String {
        let t = Int(instant.timeIntervalSince1970.rounded(.down))
        let offset = timeZone.secondsFromGMT(for: instant)
        let local = t + offset
        let ordinal = Int((Double(local) / 86_400).rounded(.down))
        let sod = local - ordinal * 86_400
        let date = CivilDate(ordinal: ordinal)
        let time = seconds
            ? String(format: "%02d:%02d:%02d", sod / 3600, sod / 60 % 60, sod % 60)
            : String(format: "%02d:%02d", sod / 3600, sod / 60 % 60)
        return "\(date) \(time) \(Self.formatOffset(offset))"
    }

    /// `+02:00`, `-04:00`, `+05:30`.
    public static func formatOffset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let a = abs(seconds)
        return String(format: "%@%02d:%02d", sign, a / 3600, a / 60 % 60)
    }
}

/// Whether a day may host runs.
public enum DayStatus: Sendable, Equatable {
    case eligible(DayWindow)
    case excluded(DayExclusion)

    public var window: DayWindow? {
        if case .eligible(let window) = self { return window }
        return nil
    }
}

/// Why a day hosts no runs.
public enum DayExclusion: Sendable, Equatable, CustomStringConvertible {
    case notWorkday(Weekday)
    case holiday
    case blackout(String)

    public var description: String {
        switch self {
        case .notWorkday(let day): return "not a workday (\(day.rawValue))"
        case .holiday: return "holiday"
        case .blackout(let reason): return "blackout: \(reason)"
        }
    }

    /// A stable short code for JSON and metrics labels.
    public var code: String {
        switch self {
        case .notWorkday: return "not-workday"
        case .holiday: return "holiday"
        case .blackout: return "blackout"
        }
    }
}

/// One day's window as instants.
public struct DayWindow: Sendable, Equatable {
    public var date: CivilDate
    public var start: Date
    public var end: Date

    public init(date: CivilDate, start: Date, end: Date) { self.date = date; self.start = start; self.end = end }

    public var length: TimeInterval { end.timeIntervalSince(start) }
}
