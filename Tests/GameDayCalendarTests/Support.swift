import Foundation
import GameDayCore
@testable import GameDayCalendar

/// Small constructors shared by the calendar's tests (the daemon's tests keep their own copy in
/// GameDayScheduleTests/Support.swift until a shared test-support target holds both).
enum Fixture {
    static func day(_ text: String) -> CivilDate {
        guard let date = CivilDate(parsing: text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { preconditionFailure("bad test instant \(text)") }
        return date
    }

    static func time(_ text: String) -> TimeOfDay {
        guard let time = TimeOfDay(parsing: text) else { preconditionFailure("bad test time \(text)") }
        return time
    }

    static func zone(_ name: String) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { preconditionFailure("unknown zone \(name)") }
        return zone
    }

    static func calendar(_ zone: String = "Europe/Berlin", workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri],
                         hours: (String, String) = ("09:00", "15:00"), holidays: [String] = [],
                         blackouts: [Blackout] = []) -> BusinessCalendar {
        BusinessCalendar(timeZone: self.zone(zone), workdays: workdays,
                         hours: BusinessHours(start: time(hours.0), end: time(hours.1)),
                         holidays: Set(holidays.map(day)), blackouts: blackouts)
    }
}
