import Foundation
import GameDayCore
@testable import GameDaySchedule

/// Small helpers shared by the scheduler's tests.
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

    /// A fresh temporary folder, removed by `cleanup`.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-schedule-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanup(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Writes a journal with the given event lines (JSON objects without seq/t/wall).
    static func writeJournal(runsDir: String, runName: String = "20270315-100000-test", events: [String]) throws -> String {
        let dir = URL(fileURLWithPath: runsDir).appendingPathComponent(runName)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var lines: [String] = []
        for (index, event) in events.enumerated() {
            let body = event.dropFirst()  // drop "{"
            lines.append("{\"seq\":\(index + 1),\"t\":\(index * 100),\"wall\":0,\(body)")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("journal.jsonl"), atomically: true, encoding: .utf8)
        return dir.path
    }
}
