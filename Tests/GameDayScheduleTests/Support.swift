import Foundation
import GameDayCore
import GameDayTestSupport
@testable import GameDaySchedule
import GameDayCalendar

/// The calendar constructors and temporary folders shared with the calendar's and the integration tests.
typealias Fixture = ScheduleFixture

/// Journals for the scheduler's unit tests.
extension ScheduleFixture {
    /// Writes a journal of real events, encoded as `gameday run` writes them.
    @discardableResult
    static func writeJournal(runsDir: String, runName: String = "20270315-100000-test", bodies: [EventBody]) throws -> String {
        let dir = URL(fileURLWithPath: runsDir).appendingPathComponent(runName)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        var data = Data()
        for (index, body) in bodies.enumerated() {
            data.append(try encoder.encode(JournalEvent(seq: index + 1, t: Int64(index * 100), wall: 0, body: body)))
            data.append(UInt8(ascii: "\n"))
        }
        try data.write(to: dir.appendingPathComponent("journal.jsonl"))
        return dir.path
    }

    /// The `inject.begin` of a command fault on `target` (its revert removes a file).
    static func injectBegin(_ faultID: String, target: String = "web-1") -> EventBody {
        .injectBegin(InjectBegin(faultID: faultID, step: "s", stepIndex: 0, fault: "command", target: target,
                                 description: "touch a file", recipe: .command(CommandRevert(argv: ["rm", "-f", "/nonexistent/gameday-test"]))))
    }

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
