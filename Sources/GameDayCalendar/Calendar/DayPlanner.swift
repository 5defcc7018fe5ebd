import Foundation
import GameDayCore

/// Decides a day's runs: which scenarios, at what time, with what seed. Pure and reproducible.
///
/// Chaos Monkey's semantics: on each eligible day each scenario is drawn with probability 1/`meanDaysBetweenRuns`,
/// and a draw is dropped when the scenario last ran fewer than `minDaysBetweenRuns` business days ago. Every random
/// choice comes from a generator keyed by (seed, day, scenario), so a day's decisions do not depend on other days,
/// on the order of scenarios, or on when the daemon was restarted.
public struct DayPlanner: Sendable {
    public var calendar: BusinessCalendar
    public var scenarios: [ScenarioConfiguration]
    public var maxRunsPerDay: Int
    public var seed: UInt64
    public var revertTime: TimeSpan

    public init(calendar: BusinessCalendar, scenarios: [ScenarioConfiguration], maxRunsPerDay: Int, seed: UInt64,
                revertTime: TimeSpan) {
        self.calendar = calendar; self.scenarios = scenarios; self.maxRunsPerDay = maxRunsPerDay; self.seed = seed
        self.revertTime = revertTime
    }

    public init(configuration: ScheduleConfiguration, seed: UInt64) {
        self.init(calendar: configuration.calendar, scenarios: configuration.scenarios,
                  maxRunsPerDay: configuration.maxRunsPerDay, seed: seed, revertTime: configuration.revertTime)
    }

    /// The decisions for one day.
    ///
    /// - Parameters:
    ///   - durations: each scenario's planned run length (from `gameday plan --json`); a scenario missing here is
    ///     skipped as `planUnavailable`.
    ///   - lastRuns: the last day each scenario started a run (for minimum gaps).
    public func plan(day: CivilDate, durations: [String: TimeSpan], lastRuns: [String: CivilDate]) -> DayPlan {
        let status = calendar.status(of: day)
        guard let window = status.window else { return DayPlan(day: day, status: status, decisions: []) }

        var decisions: [PlannedDecision] = []
        var runnable: [Int] = []
        for scenario in scenarios {
            var generator = SeededGenerator(seed: seed, stream: "day/\(day)/\(scenario.name)")
            let draw = Self.unitInterval(&generator)
            guard draw < 1 / max(1, scenario.meanDaysBetweenRuns) else { continue }
            let runSeed = generator.next()
            let offsetDraw = Self.unitInterval(&generator)

            var decision = PlannedDecision(id: "\(day)/\(scenario.name)", day: day, scenario: scenario.name,
                                           plan: scenario.plan, seed: runSeed, startAt: window.start,
                                           plannedDuration: durations[scenario.name] ?? .zero,
                                           abortAt: window.end.addingTimeInterval(-revertTime.seconds),
                                           disposition: .run)
            if let last = lastRuns[scenario.name],
               !calendar.businessDays(atLeast: scenario.minDaysBetweenRuns, after: last, upTo: day) {
                decision.disposition = .skip(.minimumGap, "last ran \(last); minimum gap is \(scenario.minDaysBetweenRuns) business days")
                decisions.append(decision)
                continue
            }
            guard let duration = durations[scenario.name] else {
                decision.disposition = .skip(.planUnavailable, "the plan's length is unknown (see the log)")
                decisions.append(decision)
                continue
            }
            let latestStart = decision.abortAt.addingTimeInterval(-duration.seconds)
            let room = latestStart.timeIntervalSince(window.start)
            guard room >= 0 else {
                decision.disposition = .skip(.outlastsWindow,
                    "planned length \(duration) plus revert time \(revertTime) does not fit the \(TimeSpan.seconds(Int64(window.length))) window")
                decisions.append(decision)
                continue
            }
            decision.startAt = window.start.addingTimeInterval((offsetDraw * room).rounded(.down))
            runnable.append(decisions.count)
            decisions.append(decision)
        }

        if runnable.count > maxRunsPerDay {
            var generator = SeededGenerator(seed: seed, stream: "day/\(day)/order")
            let dropped = runnable.deterministicShuffle(using: &generator).dropFirst(max(0, maxRunsPerDay))
            for index in dropped {
                decisions[index].disposition = .skip(.maxRunsPerDay, "more than maxRunsPerDay (\(maxRunsPerDay)) drawn")
            }
        }
        decisions.sort { ($0.startAt, $0.scenario) < ($1.startAt, $1.scenario) }
        return DayPlan(day: day, status: status, decisions: decisions)
    }

    /// The days from `from` on, assuming every run decided to run does run (for `gameday schedule next`).
    public func forecast(from: CivilDate, days: Int, durations: [String: TimeSpan],
                         lastRuns: [String: CivilDate]) -> [DayPlan] {
        var last = lastRuns
        var out: [DayPlan] = []
        for offset in 0..<max(0, min(days, BusinessCalendar.maxScanDays)) {
            let plan = plan(day: from.adding(days: offset), durations: durations, lastRuns: last)
            for decision in plan.decisions where decision.disposition == .run { last[decision.scenario] = plan.day }
            out.append(plan)
        }
        return out
    }

    /// A uniform draw in [0, 1) with 53 bits.
    static func unitInterval(_ generator: inout SeededGenerator) -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }
}

/// One day's decisions.
public struct DayPlan: Sendable, Equatable {
    public var day: CivilDate
    public var status: DayStatus
    /// Sorted by start time.
    public var decisions: [PlannedDecision]

    public init(day: CivilDate, status: DayStatus, decisions: [PlannedDecision]) {
        self.day = day; self.status = status; self.decisions = decisions
    }
}

/// A scenario drawn for a day, and whether it is to run.
public struct PlannedDecision: Sendable, Equatable {
    /// `2027-03-15/web-node-loss`: unique, and never started twice.
    public var id: String
    public var day: CivilDate
    public var scenario: String
    public var plan: String
    /// The seed passed to `gameday run --seed`.
    public var seed: UInt64
    public var startAt: Date
    public var plannedDuration: TimeSpan
    /// When a run still going is aborted (the window's end minus the revert time).
    public var abortAt: Date
    public var disposition: Disposition

    public init(id: String, day: CivilDate, scenario: String, plan: String, seed: UInt64, startAt: Date,
                plannedDuration: TimeSpan, abortAt: Date, disposition: Disposition) {
        self.id = id; self.day = day; self.scenario = scenario; self.plan = plan; self.seed = seed
        self.startAt = startAt; self.plannedDuration = plannedDuration; self.abortAt = abortAt; self.disposition = disposition
    }

    /// Whether the decision is to run, or was skipped at planning (reason and detail).
    public enum Disposition: Sendable, Equatable {
        case run
        case skip(SkipReason, String)
    }
}

/// Why a decision did not start. Raw values are stable: they are stored and used as metric labels.
public enum SkipReason: String, Sendable, Codable, CaseIterable {
    case minimumGap = "minimum-gap"
    case maxRunsPerDay = "max-runs-per-day"
    case outlastsWindow = "outlasts-window"
    case planUnavailable = "plan-unavailable"
    case paused
    case killSwitch = "kill-switch"
    case outage
    /// Another run was still going and this one no longer fitted the window afterwards.
    case busy
    /// The start time passed while the daemon was not running, and the run no longer fits.
    case missed
}
