import Foundation
import GameDayCore
import Testing
@testable import GameDayCalendar

@Suite struct DayPlannerTests {
    func planner(scenarios: [ScenarioConfiguration], maxRunsPerDay: Int = 5, seed: UInt64 = 42,
                 calendar: BusinessCalendar = Fixture.calendar(), revertTime: TimeSpan = .minutes(2)) -> DayPlanner {
        DayPlanner(calendar: calendar, scenarios: scenarios, maxRunsPerDay: maxRunsPerDay, seed: seed, revertTime: revertTime)
    }

    let always = ScenarioConfiguration(name: "always", plan: "/p/always.yaml", meanDaysBetweenRuns: 1)

    /// The same seed gives the same decisions; another seed gives other start times.
    @Test func seededAndReproducible() {
        let scenarios = (0..<5).map { ScenarioConfiguration(name: "s\($0)", plan: "/p/s\($0).yaml", meanDaysBetweenRuns: 3) }
        let durations = Dictionary(uniqueKeysWithValues: scenarios.map { ($0.name, TimeSpan.minutes(10)) })
        let a = planner(scenarios: scenarios).forecast(from: Fixture.day("2027-03-01"), days: 60, durations: durations, lastRuns: [:])
        let b = planner(scenarios: scenarios).forecast(from: Fixture.day("2027-03-01"), days: 60, durations: durations, lastRuns: [:])
        let c = planner(scenarios: scenarios, seed: 43).forecast(from: Fixture.day("2027-03-01"), days: 60, durations: durations, lastRuns: [:])
        #expect(a == b)
        #expect(a != c)
        // A day's plan does not depend on the order scenarios are listed in.
        let reversed = planner(scenarios: scenarios.reversed()).plan(day: Fixture.day("2027-03-03"), durations: durations, lastRuns: [:])
        #expect(reversed == planner(scenarios: scenarios).plan(day: Fixture.day("2027-03-03"), durations: durations, lastRuns: [:]))
    }

    /// Over many eligible days a scenario runs on about 1/mean of them (Chaos Monkey's probability).
    @Test func probabilityIsOneOverMean() {
        let scenario = ScenarioConfiguration(name: "web", plan: "/p/web.yaml", meanDaysBetweenRuns: 5)
        let plans = planner(scenarios: [scenario]).forecast(from: Fixture.day("2027-01-01"), days: 3650,
                                                            durations: ["web": .minutes(10)], lastRuns: [:])
        let eligible = plans.filter { $0.status.window != nil }.count
        let runs = plans.flatMap(\.decisions).filter { $0.disposition == .run }.count
        let rate = Double(runs) / Double(eligible)
        #expect(eligible > 2000)
        #expect(abs(rate - 0.2) < 0.03, "rate \(rate)")
    }

    /// Starts fall inside the window, leaving room for the run and the revert time before the end.
    @Test func startsFitTheWindow() {
        let plans = planner(scenarios: [always]).forecast(from: Fixture.day("2027-03-01"), days: 90,
                                                          durations: ["always": .minutes(30)], lastRuns: [:])
        let calendar = Fixture.calendar()
        var seen = 0
        for plan in plans {
            guard let window = calendar.status(of: plan.day).window else { #expect(plan.decisions.isEmpty); continue }
            for decision in plan.decisions where decision.disposition == .run {
                seen += 1
                #expect(decision.startAt >= window.start)
                #expect(decision.startAt.addingTimeInterval(30 * 60) <= window.end.addingTimeInterval(-120))
                #expect(decision.abortAt == window.end.addingTimeInterval(-120))
            }
        }
        #expect(seen > 50)
    }

    /// A run longer than the window (minus the revert time) is decided but skipped as outlasting it.
    @Test func outlastingRunIsSkipped() {
        let plan = planner(scenarios: [always]).plan(day: Fixture.day("2027-03-03"), durations: ["always": .minutes(6 * 60 - 1)], lastRuns: [:])
        #expect(plan.decisions.count == 1)
        guard case .skip(.outlastsWindow, _)? = plan.decisions.first?.disposition else {
            Issue.record("expected an outlasts-window skip, got \(plan.decisions)"); return
        }
        let fits = planner(scenarios: [always]).plan(day: Fixture.day("2027-03-03"), durations: ["always": .minutes(6 * 60 - 2)], lastRuns: [:])
        #expect(fits.decisions.first?.disposition == .run)
        #expect(fits.decisions.first?.startAt == Fixture.calendar().window(on: Fixture.day("2027-03-03")).start)
    }

    /// The minimum gap counts business days since the last run; the forecast keeps it between its own runs.
    @Test func minimumGapInBusinessDays() {
        let scenario = ScenarioConfiguration(name: "web", plan: "/p/web.yaml", meanDaysBetweenRuns: 1, minDaysBetweenRuns: 3)
        let p = planner(scenarios: [scenario])
        // Last ran Thursday 2027-03-11: Fri (1), Mon (2) are too soon, Tue 16 (3) is fine.
        let last = ["web": Fixture.day("2027-03-11")]
        #expect(p.plan(day: Fixture.day("2027-03-15"), durations: ["web": .minutes(5)], lastRuns: last).decisions.first?.disposition
                == .skip(.minimumGap, "last ran 2027-03-11; minimum gap is 3 business days"))
        #expect(p.plan(day: Fixture.day("2027-03-16"), durations: ["web": .minutes(5)], lastRuns: last).decisions.first?.disposition == .run)
        let runs = p.forecast(from: Fixture.day("2027-03-01"), days: 28, durations: ["web": .minutes(5)], lastRuns: [:])
            .filter { $0.decisions.contains { $0.disposition == .run } }.map(\.day.description)
        #expect(runs == ["2027-03-01", "2027-03-04", "2027-03-09", "2027-03-12", "2027-03-17", "2027-03-22", "2027-03-25"])
    }

    /// No more than maxRunsPerDay runs are kept; the rest are recorded as skipped for that reason.
    @Test func maxRunsPerDay() {
        let scenarios = (0..<6).map { ScenarioConfiguration(name: "s\($0)", plan: "/p/s\($0).yaml", meanDaysBetweenRuns: 1) }
        let durations = Dictionary(uniqueKeysWithValues: scenarios.map { ($0.name, TimeSpan.minutes(10)) })
        let plan = planner(scenarios: scenarios, maxRunsPerDay: 2).plan(day: Fixture.day("2027-03-03"), durations: durations, lastRuns: [:])
        #expect(plan.decisions.count == 6)
        #expect(plan.decisions.filter { $0.disposition == .run }.count == 2)
        #expect(plan.decisions.filter { if case .skip(.maxRunsPerDay, _) = $0.disposition { return true }; return false }.count == 4)
        #expect(plan.decisions.map(\.startAt) == plan.decisions.map(\.startAt).sorted())
    }

    /// Excluded days (weekends, holidays, blackouts) get no decisions at all.
    @Test func excludedDaysHaveNoDecisions() {
        let calendar = Fixture.calendar(holidays: ["2027-03-03"], blackouts: [.lastBusinessDaysOfQuarter(count: 3, reason: nil)])
        let p = planner(scenarios: [always], calendar: calendar)
        for day in ["2027-03-03", "2027-03-06", "2027-03-07", "2027-03-29", "2027-03-30", "2027-03-31"] {
            #expect(p.plan(day: Fixture.day(day), durations: ["always": .minutes(5)], lastRuns: [:]).decisions.isEmpty, "\(day)")
        }
        #expect(!p.plan(day: Fixture.day("2027-03-26"), durations: ["always": .minutes(5)], lastRuns: [:]).decisions.isEmpty)
    }

    /// A scenario whose plan could not be read is skipped, not run blind.
    @Test func unknownLengthIsSkipped() {
        let plan = planner(scenarios: [always]).plan(day: Fixture.day("2027-03-03"), durations: [:], lastRuns: [:])
        guard case .skip(.planUnavailable, _)? = plan.decisions.first?.disposition else {
            Issue.record("expected plan-unavailable, got \(plan.decisions)"); return
        }
    }
}
