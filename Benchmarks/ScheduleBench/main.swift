// Decides a full year for 100 scenarios (the issue's goal: under 1 s) and prints the figure.
//
// Each scenario gets a different mean and minimum gap; the calendar has holidays, a year-end freeze and the quarter
// rule in Europe/Berlin (so DST days are in the year). The work is exactly what the daemon and `schedule next
// --reveal` do: per day, the calendar's verdict and window, then a seeded draw, gap check and start time per scenario.
import Foundation
import GameDayCore
import GameDayCalendar
import GameDaySchedule
import GameDayTestSupport
import Logging

let zone = TimeZone(identifier: "Europe/Berlin")!
let holidays: Set<CivilDate> = Set(["2027-01-01", "2027-04-02", "2027-04-05", "2027-05-01", "2027-05-13", "2027-05-24",
                                    "2027-10-03", "2027-12-24", "2027-12-25", "2027-12-26"].compactMap(CivilDate.init(parsing:)))
let calendar = BusinessCalendar(
    timeZone: zone, workdays: [.mon, .tue, .wed, .thu, .fri],
    hours: BusinessHours(start: TimeOfDay(hour: 9, minute: 0)!, end: TimeOfDay(hour: 15, minute: 0)!),
    holidays: holidays,
    blackouts: [.range(from: CivilDate(parsing: "2027-12-20")!, to: CivilDate(parsing: "2028-01-04")!, reason: "year-end freeze"),
                .lastBusinessDaysOfQuarter(count: 3, reason: "quarter close")])
let scenarios = (0..<100).map { i in
    ScenarioConfiguration(name: "scenario-\(i)", plan: "/plans/scenario-\(i).yaml",
                          meanDaysBetweenRuns: Double(1 + i % 20), minDaysBetweenRuns: i % 5)
}
let durations = Dictionary(uniqueKeysWithValues: scenarios.enumerated().map { ($1.name, TimeSpan.minutes(Int64(5 + $0 % 60))) })
let planner = DayPlanner(calendar: calendar, scenarios: scenarios, maxRunsPerDay: 3, seed: 20_270_101, revertTime: .minutes(2))
let from = CivilDate(parsing: "2027-01-01")!

let repetitions = 5
var best = Duration.seconds(1_000)
var decisions = 0
var runs = 0
let clock = ContinuousClock()
for _ in 0..<repetitions {
    let elapsed = clock.measure {
        let plans = planner.forecast(from: from, days: 365, durations: durations, lastRuns: [:])
        decisions = plans.reduce(0) { $0 + $1.decisions.count }
        runs = plans.reduce(0) { $0 + $1.decisions.filter { $0.disposition == .run }.count }
    }
    best = min(best, elapsed)
}
let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
print("ScheduleBench: decide 365 days x 100 scenarios: \(String(format: "%.3f", seconds)) s (best of \(repetitions)); goal < 1 s: \(seconds < 1 ? "met" : "NOT met")")
print("ScheduleBench: \(decisions) decisions drawn, \(runs) runs kept")

// Issue 11: the same year persisted by each store the scheduler can use — every day's plan saved, and every decision
// that runs carried through starting → running → held, as a leading daemon writes them (SQLite in a temporary file;
// PostgreSQL on a throwaway loopback cluster, needs root). Printed as seconds and the PostgreSQL/SQLite ratio.
let year = planner.forecast(from: from, days: 365, durations: durations, lastRuns: [:])
let benchLogger = Logger(label: "gameday.bench")

func persistYear(_ location: ScheduleStoreLocation) async throws -> (Double, Int) {
    try await location.withStore(logger: benchLogger) { store in
        _ = try await store.campaign(replica: ReplicaIdentity(id: "bench/1/a", host: "bench", pid: 1), ttl: .seconds(300))
        let start = ContinuousClock.now
        var writes = 0
        for plan in year {
            try await store.savePlan(plan, now: Date())
            writes += 1
            for decision in try await store.decisions(day: plan.day) where decision.status == .planned {
                _ = try await store.markStarting(id: decision.id, runsDir: "/runs", now: Date())
                try await store.markRunning(id: decision.id, pid: 1, now: Date())
                try await store.markFinished(id: decision.id, status: .held, reason: nil, detail: "the hypothesis held",
                                             exitCode: 0, runDir: "/runs/x", now: Date())
                writes += 3
            }
        }
        let elapsed = ContinuousClock.now - start
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, writes)
    }
}

let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-schedulebench-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let (sqlite, writes) = try await persistYear(.sqlite(path: folder.appendingPathComponent("state.sqlite").path))
print("ScheduleBench: persist the year (\(writes) writes: \(year.count) day plans, each run's starting/running/held) on SQLite: \(String(format: "%.3f", sqlite)) s")
if PostgresCluster.available {
    let cluster = try PostgresCluster.start()
    defer { cluster.remove() }
    let database = try cluster.createDatabase()
    let (postgres, _) = try await persistYear(.postgres(try PostgresLocation(parsing: cluster.url(database: database))))
    print("ScheduleBench: the same on PostgreSQL (loopback, fsync on): \(String(format: "%.3f", postgres)) s — PostgreSQL/SQLite \(String(format: "%.2f", postgres / max(sqlite, 1e-9)))x")
} else {
    print("ScheduleBench: PostgreSQL skipped: \(PostgresCluster.unavailableReason)")
}
