import Foundation
import GameDayCore
import GameDayCalendar

/// Small constructors the calendar's and the scheduler's tests share (each test target names it `Fixture`).
public enum ScheduleFixture {
    public static func day(_ text: String) -> CivilDate {
        guard let date = CivilDate(parsing: text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    public static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { preconditionFailure("bad test instant \(text)") }
        return date
    }

    public static func time(_ text: String) -> TimeOfDay {
        guard let time = TimeOfDay(parsing: text) else { preconditionFailure("bad test time \(text)") }
        return time
    }

    public static func zone(_ name: String) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { preconditionFailure("unknown zone \(name)") }
        return zone
    }

    public static func calendar(_ zone: String = "Europe/Berlin", workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri],
                                hours: (String, String) = ("09:00", "15:00"), holidays: [String] = [],
                                blackouts: [Blackout] = []) -> BusinessCalendar {
        BusinessCalendar(timeZone: self.zone(zone), workdays: workdays,
                         hours: BusinessHours(start: time(hours.0), end: time(hours.1)),
                         holidays: Set(holidays.map(day)), blackouts: blackouts)
    }

    /// One day's plan as the store tests save it: a decision per scenario that runs (an hour apart from the window's
    /// start) and one per `skipped` scenario, skipped for the minimum gap.
    public static func dayPlan(day: String = "2027-03-15", scenarios: [String] = ["web"], skipped: [String] = []) -> DayPlan {
        let date = self.day(day)
        let window = calendar().window(on: date)
        var decisions = scenarios.enumerated().map { index, name in
            PlannedDecision(id: "\(day)/\(name)", day: date, scenario: name, plan: "/p/\(name).yaml", seed: UInt64.max - UInt64(index),
                            startAt: window.start.addingTimeInterval(Double(index) * 3600), plannedDuration: .minutes(20),
                            abortAt: window.end.addingTimeInterval(-120), disposition: .run)
        }
        for name in skipped {
            decisions.append(PlannedDecision(id: "\(day)/\(name)", day: date, scenario: name, plan: "/p/\(name).yaml", seed: 1,
                                             startAt: window.start, plannedDuration: .minutes(20), abortAt: window.end,
                                             disposition: .skip(.minimumGap, "too soon")))
        }
        return DayPlan(day: date, status: .eligible(window), decisions: decisions)
    }

    /// A window open now (`businessWindowAroundNow`) as the calendar's types.
    public static func windowAroundNow(seconds: Int) -> (TimeZone, BusinessHours) {
        let window = businessWindowAroundNow(seconds: seconds)
        return (zone(window.zone), BusinessHours(start: time(window.start), end: time(window.end)))
    }

    /// A fresh temporary folder, removed by `cleanup`.
    public static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-schedule-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func cleanup(_ url: URL) { try? FileManager.default.removeItem(at: url) }
}
