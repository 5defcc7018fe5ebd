import Foundation
import GameDayCore
import Testing
@testable import GameDaySchedule
import GameDayCalendar

@Suite struct ScheduleStoreTests {
    /// A day is planned once; a second save (a restarted daemon) changes nothing.
    @Test func plansOnce() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let store = try ScheduleStore(path: folder.appendingPathComponent("state.sqlite").path)
        let now = Fixture.utc("2027-03-15T06:00:00Z")
        #expect(try store.savePlan(Fixture.dayPlan(skipped: ["db"]), now: now))
        #expect(try !store.savePlan(Fixture.dayPlan(scenarios: ["other"]), now: now))
        let records = try store.decisions(day: Fixture.day("2027-03-15"))
        #expect(records.map(\.id).sorted() == ["2027-03-15/db", "2027-03-15/web"])
        let web = try #require(records.first { $0.scenario == "web" })
        #expect(web.status == .planned && web.seed == UInt64.max && web.plannedDuration == .minutes(20))
        let db = try #require(records.first { $0.scenario == "db" })
        #expect(db.status == .skipped && db.reason == "minimum-gap" && db.detail == "too soon")
        #expect(try store.isPlanned(day: Fixture.day("2027-03-15")))
        #expect(try !store.isPlanned(day: Fixture.day("2027-03-16")))
    }

    /// `planned` -> `starting` succeeds exactly once, even from a second connection (another process).
    @Test func startsOnceAcrossConnections() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        let first = try ScheduleStore(path: path)
        let second = try ScheduleStore(path: path)
        let now = Fixture.utc("2027-03-15T08:00:00Z")
        try first.savePlan(Fixture.dayPlan(), now: now)
        #expect(try first.markStarting(id: "2027-03-15/web", runsDir: "/r/web", now: now))
        #expect(try !second.markStarting(id: "2027-03-15/web", runsDir: "/r/web", now: now))
        #expect(try !second.markSkipped(id: "2027-03-15/web", reason: .paused, detail: "late", now: now))
        #expect(try second.markRunning(id: "2027-03-15/web", pid: 4242, now: now))
        #expect(try second.unresolved().map(\.pid) == [4242])
        #expect(try first.markFinished(id: "2027-03-15/web", status: .held, detail: "ok", exitCode: 0, runDir: "/r/web/x", now: now))
        #expect(try !first.markFinished(id: "2027-03-15/web", status: .failed, detail: "again", exitCode: 1, runDir: nil, now: now))
        let record = try #require(try second.decision(id: "2027-03-15/web"))
        #expect(record.status == .held && record.exitCode == 0 && record.postmortem == "/r/web/x/postmortem.md")
        #expect(try second.unresolved().isEmpty)
    }

    /// Last runs count started and leashed decisions, not skipped or planned ones.
    @Test func lastRuns() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let store = try ScheduleStore(path: folder.appendingPathComponent("state.sqlite").path)
        let now = Fixture.utc("2027-03-15T06:00:00Z")
        try store.savePlan(Fixture.dayPlan(day: "2027-03-15", scenarios: ["web", "db"], skipped: ["cache"]), now: now)
        try store.savePlan(Fixture.dayPlan(day: "2027-03-16", scenarios: ["web"]), now: now)
        _ = try store.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now)
        try store.markFinished(id: "2027-03-15/web", status: .violated, detail: nil, exitCode: 1, runDir: nil, now: now)
        try store.markLeashed(id: "2027-03-15/db", now: now)
        #expect(try store.lastRuns() == ["web": Fixture.day("2027-03-15"), "db": Fixture.day("2027-03-15")])
        #expect(try store.history(limit: 10).first?.id == "2027-03-16/web")
    }

    /// Pause state and the seed survive reopening the file.
    @Test func pauseAndSeedPersist() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let path = folder.appendingPathComponent("nested/state.sqlite").path
        do {
            let store = try ScheduleStore(path: path)
            #expect(try store.pausedReason() == nil)
            try store.setPaused(true, reason: "incident", now: Date(timeIntervalSince1970: 0))
            #expect(try store.seed(orStore: 7) == 7)
        }
        let reopened = try ScheduleStore(path: path)
        #expect(try reopened.pausedReason() == "incident")
        #expect(try reopened.seed(orStore: 99) == 7)
        try reopened.setPaused(false, reason: nil, now: Date(timeIntervalSince1970: 1))
        #expect(try reopened.pausedReason() == nil)
    }

    /// A file that is not a SQLite database is a clear error, not a crash.
    @Test func garbageFile() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let path = folder.appendingPathComponent("state.sqlite").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: ScheduleStoreError.self) { try ScheduleStore(path: path) }
    }
}
