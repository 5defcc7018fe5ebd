import ArgumentParser
import Foundation
import GameDayCore
import GameDayProbes
import GameDaySchedule
import Logging
import ServiceLifecycle
import GameDayCalendar

/// `gameday schedule ...`: business-hours chaos in the spirit of Chaos Monkey, with holidays, freezes and safety gates.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Business-hours scheduler: random game days inside working hours, never on holidays, in freezes or during an outage.",
        discussion: "See docs/schedule.md for the configuration file, the safety rules, metrics, webhooks and a systemd unit.",
        subcommands: [ScheduleRunCommand.self, ScheduleNextCommand.self, ScheduleHistoryCommand.self,
                      SchedulePauseCommand.self, ScheduleResumeCommand.self, ScheduleStatusCommand.self]
    )
}

/// Options every `schedule` subcommand shares.
struct ScheduleConfigOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "The scheduler configuration file (YAML; see docs/schedule.md).",
            completion: .file(extensions: ["yaml", "yml"]))
    var config: String

    @Option(help: ArgumentHelp("A shared PostgreSQL store, postgres://USER@HOST:PORT/DATABASE (overrides `store:`; default: the SQLite `state` file).",
                               discussion: "The password comes from PGPASSWORD or ~/.pgpass, never from the URL."))
    var store: String?

    /// Loads the configuration, printing every problem as FILE:LINE:COL and exiting 2 when it is invalid.
    func load() throws -> ScheduleConfiguration {
        var configuration: ScheduleConfiguration
        do {
            configuration = try ScheduleConfigurationLoader.load(path: config)
        } catch {
            Console.diagnostics(error.diagnostics)
            throw ExitCode(ExitCodes.invalid)
        }
        if let store { configuration.store = store }
        return configuration
    }

    /// The store the configuration (or --store) names; a malformed URL (or one holding a password) exits 2.
    func location(_ configuration: ScheduleConfiguration) throws -> ScheduleStoreLocation {
        do { return try ScheduleStoreLocation(configuration: configuration) } catch {
            Console.err("error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
    }
}

enum ScheduleCLI {
    static func logger(level: String) -> Logger {
        var logger = Logger(label: "gameday.schedule", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

    /// Opens the store for `body`; a store that cannot be opened (or used) is an error message and exit 1.
    static func withStore<Result: Sendable>(_ location: ScheduleStoreLocation, logger: Logger = logger(level: "error"),
                                            _ body: @Sendable (any ScheduleStoring) async throws -> Result) async throws -> Result {
        do { return try await location.withStore(logger: logger, body) } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.err("error: \(error)")
            throw ExitCode.failure
        }
    }

    static func iso(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

struct ScheduleRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the scheduler daemon (SIGINT/SIGTERM: abort and revert a run in progress, record it, exit).",
        discussion: "One daemon per state file: a second one on the same file exits 1 naming the first one's pid.")

    @OptionGroup var options: ScheduleConfigOptions

    @Option(help: "Seed for every random choice (default: the configuration's seed, else the one stored in the state, else a new one that is stored).")
    var seed: UInt64?

    @Option(name: .customLong("gameday-executable"),
            help: "The gameday executable that runs plans (default: this executable).")
    var gamedayExecutable: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func run() async throws {
        let configuration = try options.load()
        let location = try options.location(configuration)
        let logger = ScheduleCLI.logger(level: logLevel)
        // One daemon per SQLite file, before anything reads or settles it: a second daemon's restart recovery
        // would stop the first one's live run. Replicas of a PostgreSQL store elect a leader instead.
        var lock: DaemonLock?
        if case .sqlite = location {
            do { lock = try DaemonLock(statePath: configuration.state) } catch {
                Console.err("gameday schedule run: error: \(error)")
                throw ExitCode.failure
            }
        }
        defer { lock?.release() }
        let seed = self.seed, gamedayExecutable = self.gamedayExecutable
        try await ScheduleCLI.withStore(location, logger: logger) { store in
            let chosenSeed = try await store.seed(orStore: seed ?? configuration.seed ?? UInt64.random(in: 0...UInt64(UInt32.max)))
            let effectiveSeed = seed ?? configuration.seed ?? chosenSeed
            let process = GameDayProcess(executable: gamedayExecutable ?? GameDayProcess.ownExecutable, logger: logger)
            let notifier = configuration.notify.map { WebhookNotifier(configuration: $0, logger: logger) as any ScheduleNotifying }
            let metrics = ScheduleMetrics()
            let election = location.isShared
                ? LeaderElection(store: store, replica: .current(), ttl: configuration.leaseTTL, logger: logger) : nil
            let service = SchedulerService(
                configuration: configuration, store: store, seed: effectiveSeed,
                dependencies: .init(inspector: process, launcher: process,
                                    outageCheck: ProbeOutageCheck(driver: ProbeRunner(logger: logger), logger: logger),
                                    notifier: notifier, clock: SystemSchedulerClock()),
                metrics: metrics, logger: logger, election: election)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup),
            ]
            if let listen = configuration.metrics {
                let server = metrics.server(host: listen.host, port: listen.port, logger: logger) { port in
                    logger.notice("metrics listening", metadata: ["url": "http://\(listen.host):\(port)/metrics"])
                }
                services.append(.init(service: server))
            }
            var metadata: Logger.Metadata = ["seed": "\(effectiveSeed)", "state": "\(location)"]
            if let election { metadata["replica"] = "\(election.replica.id)"; metadata["leaseTTL"] = "\(configuration.leaseTTL)" }
            logger.notice("scheduler seed", metadata: metadata)
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
        }
    }
}

struct ScheduleNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Show the coming days: each eligible window (with UTC offsets) or why the day is excluded.",
        discussion: "Chosen start times stay hidden unless --reveal: the point of random game days is that nobody knows when.")

    @OptionGroup var options: ScheduleConfigOptions

    @Option(help: "First day to show, YYYY-MM-DD (default: today in the configured time zone).")
    var from: String?

    @Option(help: "How many days to show (1-3650).")
    var days = 14

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: "Also show which scenarios would start when (needs a seed: --seed, the configuration's, or the daemon's stored one).")
    var reveal = false

    @Option(help: "Seed to reveal with (default: the configuration's, else the one the daemon stored).")
    var seed: UInt64?

    @Option(name: .customLong("gameday-executable"), help: "The gameday executable used to read plans' lengths (default: this executable).")
    var gamedayExecutable: String?

    func run() async throws {
        let configuration = try options.load()
        guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3650") }
        let calendar = configuration.calendar
        let start: CivilDate
        if let from {
            guard let date = CivilDate(parsing: from) else { throw ValidationError("--from must be a date written YYYY-MM-DD, not '\(from)'") }
            start = date
        } else {
            start = calendar.localDate(of: Date())
        }
        let location = try options.location(configuration)
        // The stored seed and last runs, when there is a store (a SQLite file is not created just to look).
        var storedSeed: UInt64?, lastRuns: [String: CivilDate] = [:]
        if reveal, location.isShared || FileManager.default.fileExists(atPath: configuration.state) {
            (storedSeed, lastRuns) = (try? await location.withStore(logger: ScheduleCLI.logger(level: "error")) { store in
                (try await store.storedSeed(), try await store.lastRuns())
            }) ?? (nil, [:])
        }
        var plans: [DayPlan]
        if reveal {
            guard let revealSeed = seed ?? configuration.seed ?? storedSeed else {
                Console.err("error: no seed to reveal with: pass --seed, set `seed:` in the configuration, or start the daemon once (it stores one)")
                throw ExitCode.failure
            }
            let process = GameDayProcess(executable: gamedayExecutable ?? GameDayProcess.ownExecutable, logger: ScheduleCLI.logger(level: "error"))
            var durations: [String: TimeSpan] = [:]
            for scenario in configuration.scenarios {
                do { durations[scenario.name] = try await process.inspect(plan: scenario.plan).duration } catch {
                    Console.err("warning: scenario \(scenario.name): \(error)")
                }
            }
            let planner = DayPlanner(configuration: configuration, seed: revealSeed)
            plans = planner.forecast(from: start, days: days, durations: durations, lastRuns: lastRuns)
        } else {
            plans = (0..<days).map { DayPlan(day: start.adding(days: $0), status: calendar.status(of: start.adding(days: $0)), decisions: []) }
        }
        if json {
            Console.out(Self.json(plans, calendar: calendar, reveal: reveal))
        } else {
            Console.out("Time zone \(configuration.timeZone.identifier); hours \(configuration.hours.start)-\(configuration.hours.end)")
            for plan in plans {
                let label = "\(plan.day) \(plan.day.weekday.rawValue)"
                switch plan.status {
                case .excluded(let why):
                    Console.out("\(label)  excluded: \(why)")
                case .eligible(let window):
                    let seconds = (configuration.hours.start.secondsAfterMidnight % 60) != 0 || (configuration.hours.end.secondsAfterMidnight % 60) != 0
                    Console.out("\(label)  \(calendar.format(window.start, seconds: seconds)) – \(calendar.format(window.end, seconds: seconds))")
                    for decision in plan.decisions {
                        switch decision.disposition {
                        case .run:
                            Console.out("    \(decision.scenario): starts \(calendar.format(decision.startAt, seconds: true)) (planned \(decision.plannedDuration), seed \(decision.seed))")
                        case .skip(let reason, let detail):
                            Console.out("    \(decision.scenario): drawn, skipped (\(reason.rawValue): \(detail))")
                        }
                    }
                }
            }
        }
    }

    static func json(_ plans: [DayPlan], calendar: BusinessCalendar, reveal: Bool) -> String {
        var days: [[String: Any]] = []
        for plan in plans {
            var day: [String: Any] = ["date": plan.day.description, "weekday": plan.day.weekday.rawValue]
            switch plan.status {
            case .excluded(let why):
                day["eligible"] = false
                day["excluded"] = why.code
                day["reason"] = why.description
            case .eligible(let window):
                day["eligible"] = true
                day["windowStart"] = ScheduleCLI.iso(window.start, in: calendar.timeZone)
                day["windowEnd"] = ScheduleCLI.iso(window.end, in: calendar.timeZone)
                if reveal {
                    day["decisions"] = plan.decisions.map { decision -> [String: Any] in
                        var out: [String: Any] = ["id": decision.id, "scenario": decision.scenario, "plan": decision.plan,
                                                  "startAt": ScheduleCLI.iso(decision.startAt, in: calendar.timeZone),
                                                  "plannedDurationMs": decision.plannedDuration.milliseconds,
                                                  "seed": NSNumber(value: decision.seed)]
                        if case .skip(let reason, let detail) = decision.disposition {
                            out["skipped"] = reason.rawValue
                            out["detail"] = detail
                        }
                        return out
                    }
                }
            }
            days.append(day)
        }
        let data = (try? JSONSerialization.data(withJSONObject: days, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

struct ScheduleHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show recorded decisions, newest first: what ran, what was skipped and why, outcomes, postmortems.")

    @OptionGroup var options: ScheduleConfigOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: "How many decisions to show.")
    var limit = 50

    func run() async throws {
        let configuration = try options.load()
        let location = try options.location(configuration)
        guard location.isShared || FileManager.default.fileExists(atPath: configuration.state) else {
            if json { Console.out("[]") } else { Console.out("No history yet (\(configuration.state) does not exist).") }
            return
        }
        let limit = self.limit
        let (records, paused) = try await ScheduleCLI.withStore(location) { store in
            (try await store.history(limit: max(1, min(limit, 100_000))), try await store.pausedReason())
        }
        let calendar = configuration.calendar
        if json {
            let rows: [[String: Any]] = records.map { r in
                var row: [String: Any] = ["id": r.id, "day": r.day.description, "scenario": r.scenario, "plan": r.plan,
                                          "status": r.status.rawValue, "startAt": ScheduleCLI.iso(r.startAt, in: calendar.timeZone),
                                          "seed": NSNumber(value: r.seed)]
                if let v = r.reason { row["reason"] = v }
                if let v = r.detail { row["detail"] = v }
                if let v = r.runDir { row["runDir"] = v }
                if let v = r.postmortem { row["postmortem"] = v }
                if let v = r.exitCode { row["exitCode"] = Int(v) }
                if let v = r.startedAt { row["startedAt"] = ScheduleCLI.iso(v, in: calendar.timeZone) }
                if let v = r.endedAt { row["endedAt"] = ScheduleCLI.iso(v, in: calendar.timeZone) }
                return row
            }
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        if let paused { Console.out("PAUSED\(paused.isEmpty ? "" : ": \(paused)")") }
        if records.isEmpty { Console.out("No decisions yet.") }
        for r in records {
            var line = "\(calendar.format(r.startAt))  \(r.scenario)  \(r.status.rawValue)"
            if let reason = r.reason { line += " (\(reason))" }
            Console.out(line)
            if let detail = r.detail { Console.out("    \(detail)") }
            if let postmortem = r.postmortem { Console.out("    postmortem: \(postmortem)") }
        }
    }
}

struct SchedulePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause the scheduler: nothing starts until `resume` (a run in progress goes on).")

    @OptionGroup var options: ScheduleConfigOptions

    @Option(help: "Why (shown in history and in the skip reasons).")
    var reason: String?

    func run() async throws {
        let configuration = try options.load()
        let reason = self.reason
        try await ScheduleCLI.withStore(try options.location(configuration)) { try await $0.setPaused(true, reason: reason, now: Date()) }
        Console.out("paused\(reason.map { ": \($0)" } ?? "")")
    }
}

struct ScheduleResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused scheduler.")

    @OptionGroup var options: ScheduleConfigOptions

    @Option(help: "Why (recorded with the resume).")
    var reason: String?

    func run() async throws {
        let configuration = try options.load()
        let reason = self.reason
        try await ScheduleCLI.withStore(try options.location(configuration)) { try await $0.setPaused(false, reason: reason, now: Date()) }
        Console.out("resumed")
    }
}

struct ScheduleStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the store, its replicas, the leader, its fencing token and the lease's age.")

    @OptionGroup var options: ScheduleConfigOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let configuration = try options.load()
        let location = try options.location(configuration)
        let (status, paused) = try await ScheduleCLI.withStore(location) { store in
            (try await store.clusterStatus(), try await store.pausedReason())
        }
        func seconds(_ span: TimeSpan?) -> String { span.map { String(format: "%.1fs", $0.seconds) } ?? "-" }
        if json {
            var out: [String: Any] = ["backend": status.backend, "store": location.description, "token": NSNumber(value: status.token),
                                      "paused": paused != nil]
            if let leader = status.leader { out["leader"] = leader }
            if let age = status.leaseAge { out["leaseAgeSeconds"] = age.seconds }
            if let remaining = status.leaseRemaining { out["leaseRemainingSeconds"] = remaining.seconds }
            out["replicas"] = status.replicas.map { ["id": $0.id, "host": $0.host, "pid": Int($0.pid), "lastSeenSeconds": $0.lastSeen.seconds] as [String: Any] }
            let data = try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys])
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        Console.out("store: \(location) (\(status.backend))\(paused.map { "  PAUSED\($0.isEmpty ? "" : ": \($0)")" } ?? "")")
        guard status.backend != "sqlite" else {
            Console.out("one daemon per state file (no replicas, no election)")
            return
        }
        if let leader = status.leader {
            Console.out("leader: \(leader)  token \(status.token)  lease age \(seconds(status.leaseAge))  expires in \(seconds(status.leaseRemaining))")
        } else {
            Console.out("leader: none (lease expired or never held; last token \(status.token))")
        }
        Console.out("replicas: \(status.replicas.count)")
        for replica in status.replicas {
            Console.out("  \(replica.id)  host \(replica.host)  pid \(replica.pid)  last seen \(seconds(replica.lastSeen)) ago\(replica.id == status.leader ? "  (leader)" : "")")
        }
    }
}
