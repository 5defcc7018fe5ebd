import Foundation
import GameDayCore

/// The scheduler's configuration file (`gameday schedule ... --config FILE`), decoded and validated.
///
/// Paths in it (`plan`, `state`, `runsDir`, `killSwitch`) are resolved against the configuration file's folder by
/// `ScheduleConfigurationLoader`, so the values here are absolute (or as given when already absolute).
public struct ScheduleConfiguration: Sendable, Equatable {
    public var version: Int
    /// The IANA time zone business hours are written in (`Europe/Berlin`).
    public var timeZone: TimeZone
    public var workdays: Set<Weekday>
    public var hours: BusinessHours
    public var holidays: Set<CivilDate>
    public var blackouts: [Blackout]
    public var scenarios: [ScenarioConfiguration]
    /// At most this many runs start on one day.
    public var maxRunsPerDay: Int
    /// Decide and record, inject nothing.
    public var leashed: Bool
    /// While this file exists nothing starts.
    public var killSwitch: String?
    /// Health checks (by name, from each scenario's plan) that must be healthy before a run starts.
    public var outageCheck: [String]
    public var notify: NotifyConfiguration?
    /// The SQLite state file.
    public var state: String
    /// Where runs write their run directories (one sub-folder per decision).
    public var runsDir: String
    /// The seed for every random choice; `--seed` overrides it. Without either, the daemon picks one and stores it.
    public var seed: UInt64?
    /// Time kept free before the end of the window for reverting: a run starts only if it is planned to be over
    /// this long before the end, and one still going this long before the end is aborted.
    public var revertTime: TimeSpan
    public var metrics: MetricsConfiguration?
    /// A shared PostgreSQL store (`postgres://USER@HOST:PORT/DB`) for replicas with leader election; nil: the SQLite
    /// `state` file. `--store` overrides it.
    public var store: String?
    /// How long a leader's lease lasts without renewal (renewed every third of it).
    public var leaseTTL: TimeSpan = .seconds(15)

    public init(version: Int = 1, timeZone: TimeZone, workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri],
                hours: BusinessHours, holidays: Set<CivilDate> = [], blackouts: [Blackout] = [],
                scenarios: [ScenarioConfiguration], maxRunsPerDay: Int = 1, leashed: Bool = false,
                killSwitch: String? = nil, outageCheck: [String] = [], notify: NotifyConfiguration? = nil,
                state: String = "gameday-schedule.sqlite", runsDir: String = "runs", seed: UInt64? = nil,
                revertTime: TimeSpan = .minutes(2), metrics: MetricsConfiguration? = nil) {
        self.version = version; self.timeZone = timeZone; self.workdays = workdays; self.hours = hours
        self.holidays = holidays; self.blackouts = blackouts; self.scenarios = scenarios
        self.maxRunsPerDay = maxRunsPerDay; self.leashed = leashed; self.killSwitch = killSwitch
        self.outageCheck = outageCheck; self.notify = notify; self.state = state; self.runsDir = runsDir
        self.seed = seed; self.revertTime = revertTime; self.metrics = metrics
    }

    /// The pure calendar this configuration describes.
    public var calendar: BusinessCalendar {
        BusinessCalendar(timeZone: timeZone, workdays: workdays, hours: hours, holidays: holidays, blackouts: blackouts)
    }
}

/// The daily window in which runs may start and must be over.
public struct BusinessHours: Sendable, Equatable {
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) { self.start = start; self.end = end }
}

/// A stretch of days on which nothing starts (a change freeze).
public enum Blackout: Sendable, Equatable {
    /// Every day from `from` to `to`, both included.
    case range(from: CivilDate, to: CivilDate, reason: String?)
    /// The last `count` business days of every calendar quarter.
    case lastBusinessDaysOfQuarter(count: Int, reason: String?)

    public var reason: String? {
        switch self {
        case .range(_, _, let reason), .lastBusinessDaysOfQuarter(_, let reason): return reason
        }
    }
}

/// One plan the scheduler may pick, and how often.
public struct ScenarioConfiguration: Sendable, Equatable {
    /// A short unique name (the plan file's name without extension unless given); part of decision ids.
    public var name: String
    /// Path of the plan file.
    public var plan: String
    /// On each eligible business day the scenario runs with probability 1/mean.
    public var meanDaysBetweenRuns: Double
    /// Never sooner than this many business days after its last run.
    public var minDaysBetweenRuns: Int

    public init(name: String, plan: String, meanDaysBetweenRuns: Double, minDaysBetweenRuns: Int = 0) {
        self.name = name; self.plan = plan; self.meanDaysBetweenRuns = meanDaysBetweenRuns
        self.minDaysBetweenRuns = minDaysBetweenRuns
    }
}

/// Where start/abort/finish notifications go.
public struct NotifyConfiguration: Sendable, Equatable {
    public var webhook: URL
    public var timeout: TimeSpan
    /// Attempts after the first failed one.
    public var retries: Int

    public init(webhook: URL, timeout: TimeSpan = .seconds(5), retries: Int = 2) {
        self.webhook = webhook; self.timeout = timeout; self.retries = retries
    }
}

/// The Prometheus endpoint.
public struct MetricsConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 9464) { self.host = host; self.port = port }
}
