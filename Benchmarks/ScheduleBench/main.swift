// Decides a full year for 100 scenarios (the issue's goal: under 1 s) and prints the figure.
//
// Each scenario gets a different mean and minimum gap; the calendar has holidays, a year-end freeze and the quarter
// rule in Europe/Berlin (so DST days are in the year). The work is exactly what the daemon and `schedule next
// --reveal` do: per day, the calendar's verdict and window, then a seeded draw, gap check and start time per scenario.
import Foundation
import GameDayCore
import GameDayCalendar

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
