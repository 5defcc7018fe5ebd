import Foundation
import GameDayCore
import Logging
import ServiceLifecycle
import GameDayCalendar

/// The scheduling daemon (`gameday schedule run`): plans each business day, starts runs at their times when every
/// safety gate allows, aborts a run still going as the window closes, and records everything in the store.
///
/// It is a swift-service-lifecycle `Service`: on graceful shutdown (SIGINT/SIGTERM to the daemon) a run in progress
/// is sent SIGTERM, reverts, and is recorded as aborted before `run()` returns. The decisions themselves come from
/// `SchedulerStateMachine`; this actor only carries out its actions.
public actor SchedulerService: Service {
    /// The daemon's lifecycle (the state machine holds the scheduling state).
    enum State {
        case initial
        case running
        case finished
    }

    /// The parts that touch the world, injected so tests can substitute them.
    public struct Dependencies: Sendable {
        public var inspector: any PlanInspecting
        public var launcher: any RunLaunching
        public var outageCheck: any OutageChecking
        public var notifier: (any ScheduleNotifying)?
        public var clock: any SchedulerClock

        public init(inspector: any PlanInspecting, launcher: any RunLaunching, outageCheck: any OutageChecking,
                    notifier: (any ScheduleNotifying)?, clock: any SchedulerClock) {
            self.inspector = inspector; self.launcher = launcher; self.outageCheck = outageCheck
            self.notifier = notifier; self.clock = clock
        }
    }

    let configuration: ScheduleConfiguration
    let store: any ScheduleStoring
    let planner: DayPlanner
    let dependencies: Dependencies
    let metrics: ScheduleMetrics
    let logger: Logger
    /// How long a run may take to revert after SIGTERM before it is killed.
    let abortGrace: Duration
    /// Longest sleep between looks at the pause state, the kill switch and the date.
    let pollInterval: Duration
    var state: State = .initial
    var machine = SchedulerStateMachine()
    /// Replicas sharing a PostgreSQL store elect a leader; nil: the only daemon of a SQLite file, always leading.
    let election: LeaderElection?
    /// The election term whose takeover recovery has run.
    var recoveredTerm = 0

    public init(configuration: ScheduleConfiguration, store: any ScheduleStoring, seed: UInt64, dependencies: Dependencies,
                metrics: ScheduleMetrics, logger: Logger, abortGrace: Duration? = nil, pollInterval: Duration = .seconds(15),
                election: LeaderElection? = nil) {
        self.election = election
        self.configuration = configuration
        self.store = store
        self.planner = DayPlanner(configuration: configuration, seed: seed)
        self.dependencies = dependencies
        self.metrics = metrics
        self.logger = logger
        self.abortGrace = abortGrace ?? max(.seconds(30), configuration.revertTime.duration)
        self.pollInterval = pollInterval
    }

    /// Settles what a previous daemon left unfinished, then schedules until graceful shutdown.
    public func run() async throws {
        guard case .initial = state else { throw ScheduleRunError(message: "the scheduler service was already run") }
        state = .running
        defer { state = .finished }
        logger.info("scheduler starting", metadata: ["timeZone": "\(configuration.timeZone.identifier)",
                                                     "scenarios": "\(configuration.scenarios.count)",
                                                     "leashed": "\(configuration.leashed)"])
        let clock = dependencies.clock
        guard let election else {
            try await RestartRecovery(store: store, launcher: dependencies.launcher, abortGrace: abortGrace, logger: logger)
                .resolveAll(now: { clock.now() })
            try await schedule()
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await election.maintain() }
            defer { group.cancelAll() }
            try await schedule()
        }
        await election.resign()
    }

    /// The scheduling loop (while this replica leads, when replicas elect one).
    func schedule() async throws {
        let clock = dependencies.clock
        while !Task.isCancelled {
            if Task.isShuttingDownGracefully {
                _ = machine.shutdown()
                break
            }
            if let election {
                guard await election.isLeading else {
                    await sleep(until: clock.now().addingTimeInterval(min(TimeSpan(pollInterval).seconds, TimeSpan(election.renewEvery).seconds)))
                    continue
                }
                let term = await election.term
                if term != recoveredTerm {
                    // A new leadership: settle what the previous leader left starting or running (its run is
                    // stopped if it is still going here, then its journal decides, and `gameday recover` reverts).
                    do {
                        try await RestartRecovery(store: store, launcher: dependencies.launcher, abortGrace: abortGrace, logger: logger)
                            .resolveAll(now: { clock.now() })
                        recoveredTerm = term
                    } catch {
                        logger.error("cannot settle the previous leader's runs; not scheduling until that works: \(error)")
                        await sleep(until: clock.now().addingTimeInterval(TimeSpan(election.renewEvery).seconds))
                        continue
                    }
                }
            }
            let now = clock.now()
            let today = configuration.calendar.localDate(of: now)
            await ensurePlanned(today, now: now)
            let records: [DecisionRecord]
            do {
                records = try await store.decisions(day: today)
            } catch {
                logger.error("cannot read the state: \(error)")
                await sleep(until: now.addingTimeInterval(TimeSpan(pollInterval).seconds))
                continue
            }
            let gates = await self.gates()
            let action = machine.tick(now: now, decisions: records.map(\.snapshot), gates: gates)
            switch action {
            case .wait(let until):
                let cap = now.addingTimeInterval(TimeSpan(pollInterval).seconds)
                await sleep(until: min(until ?? cap, cap))
            case .skip(let id, let reason, let detail):
                if await !skip(id: id, reason: reason, detail: detail, now: now) {
                    // The state file refused the write: try again later rather than spinning.
                    await sleep(until: now.addingTimeInterval(TimeSpan(pollInterval).seconds))
                }
            case .recordLeashed(let id):
                do {
                    if try await store.markLeashed(id: id, now: now) {
                        logger.notice("leashed: would start now; nothing injected", metadata: ["decision": "\(id)"])
                    }
                } catch {
                    logger.error("cannot record a leashed decision: \(error)")
                    await sleep(until: now.addingTimeInterval(TimeSpan(pollInterval).seconds))
                }
            case .checkOutage(let id):
                if let record = records.first(where: { $0.id == id }) {
                    await checkAndStart(record)
                } else {
                    // Not among today's records (cannot happen: the id came from them); release the machine.
                    _ = machine.outageChecked(now: now, decision: DecisionSnapshot(id: id, status: .skipped, startAt: now,
                                                                                   plannedDuration: .zero, abortAt: now),
                                              result: .healthy, gates: gates)
                }
            case .stop:
                return
            case .start, .abort:
                // Only produced by outageChecked / while running; never by an idle tick.
                break
            }
        }
    }

    func gates() async -> SchedulerStateMachine.Gates {
        let paused = (try? await store.pausedReason()) ?? nil
        metrics.setPaused(paused != nil)
        let killSwitch = configuration.killSwitch.map { FileManager.default.fileExists(atPath: $0) } ?? false
        return .init(pausedReason: paused, killSwitchPresent: killSwitch, leashed: configuration.leashed)
    }

    /// Records a skip; false only if the state file could not be written.
    @discardableResult
    func skip(id: String, reason: SkipReason, detail: String, now: Date) async -> Bool {
        do {
            if try await store.markSkipped(id: id, reason: reason, detail: detail, now: now) {
                metrics.skipped(reason)
                logger.notice("skipped", metadata: ["decision": "\(id)", "reason": "\(reason.rawValue)", "detail": "\(detail)"])
            }
            return true
        } catch {
            logger.error("cannot record a skip: \(error)", metadata: ["decision": "\(id)"])
            return false
        }
    }

    /// Plans `day` once (a restarted daemon finds it planned and keeps the recorded decisions).
    func ensurePlanned(_ day: CivilDate, now: Date) async {
        guard (try? await store.isPlanned(day: day)) == false else { return }
        var durations: [String: TimeSpan] = [:]
        if configuration.calendar.status(of: day).window != nil {
            for scenario in configuration.scenarios {
                do {
                    durations[scenario.name] = try await dependencies.inspector.inspect(plan: scenario.plan).duration
                } catch {
                    logger.error("cannot read a scenario's plan; it is skipped today", metadata: ["scenario": "\(scenario.name)", "error": "\(error)"])
                }
            }
        }
        do {
            let plan = planner.plan(day: day, durations: durations, lastRuns: try await store.lastRuns())
            if try await store.savePlan(plan, now: now) {
                metrics.decided(plan.decisions.count)
                for decision in plan.decisions {
                    if case .skip(let reason, let detail) = decision.disposition {
                        metrics.skipped(reason)
                        logger.notice("skipped at planning", metadata: ["decision": "\(decision.id)", "reason": "\(reason.rawValue)", "detail": "\(detail)"])
                    }
                }
                logger.info("planned the day", metadata: ["day": "\(day)", "decisions": "\(plan.decisions.count)"])
            }
        } catch {
            logger.error("cannot record the day's plan: \(error)")
        }
    }

    /// Outage check (with a fresh look at the plan), then the start.
    func checkAndStart(_ record: DecisionRecord) async {
        let result: SchedulerStateMachine.OutageResult
        var snapshot = record.snapshot
        do {
            let summary = try await dependencies.inspector.inspect(plan: record.plan)
            snapshot.plannedDuration = summary.duration
            let names = Set(configuration.outageCheck)
            let checks = summary.checks.filter { names.contains($0.name) }
            let missing = names.subtracting(summary.checks.map(\.name))
            if !missing.isEmpty {
                logger.warning("outage checks not defined by this scenario's plan are not run",
                               metadata: ["decision": "\(record.id)", "missing": "\(missing.sorted().joined(separator: ","))"])
            }
            let unhealthy = await dependencies.outageCheck.unhealthy(checks)
            result = unhealthy.isEmpty ? .healthy : .unhealthy(unhealthy)
        } catch {
            result = .planUnavailable("\(error)")
        }
        let now = dependencies.clock.now()
        let action = machine.outageChecked(now: now, decision: snapshot, result: result, gates: await gates())
        switch action {
        case .skip(let id, let reason, let detail):
            await skip(id: id, reason: reason, detail: detail, now: now)
        case .start:
            if Task.isShuttingDownGracefully {
                // Shutdown arrived during the check: leave the decision planned (a restart may still start it in time).
                _ = machine.shutdown()
                machine.runFinished(id: record.id, startedAt: now, now: now)
                return
            }
            await execute(record, plannedDuration: snapshot.plannedDuration)
        default:
            break
        }
    }

    enum RaceResult: Sendable {
        case finished(RunResult)
        case deadline
        case shutdown
        /// This replica's leader lease ran out.
        case leadershipLost
        case idle
        /// The journal follower of the faults-active gauge, handed back when the run is over so that only the
        /// journal's tail (what was appended since its last look) is read to settle the run.
        case journal(JournalFollower?)
    }

    /// Starts the run (after recording `starting` durably) and sees it to its end, aborting it at the window's
    /// end or on shutdown.
    func execute(_ record: DecisionRecord, plannedDuration: TimeSpan) async {
        let clock = dependencies.clock
        let startedAt = clock.now()
        let runsDir = URL(fileURLWithPath: configuration.runsDir)
            .appendingPathComponent(record.day.description).appendingPathComponent(record.scenario).path
        let claimed: Bool
        do {
            claimed = try await store.markStarting(id: record.id, runsDir: runsDir, now: startedAt)
        } catch {
            logger.error("cannot record the start; not starting", metadata: ["decision": "\(record.id)", "error": "\(error)"])
            claimed = false
        }
        guard claimed else {
            machine.runFinished(id: record.id, startedAt: startedAt, now: clock.now())
            return
        }
        logger.notice("starting run", metadata: ["decision": "\(record.id)", "plan": "\(record.plan)", "seed": "\(record.seed)",
                                                 "plannedLength": "\(plannedDuration)", "runsDir": "\(runsDir)"])
        await dependencies.notifier?.notify(ScheduleNotification(event: .start, decision: record.id, scenario: record.scenario,
                                                                 plan: record.plan, at: startedAt))
        metrics.setRunInProgress(true)

        var mirrored = RunRequest(decisionID: record.id, plan: record.plan, runsDir: runsDir, seed: record.seed, abortGrace: abortGrace)
        mirrored.mirror = store.journalMirror(decisionID: record.id)
        let request = mirrored
        let launcher = dependencies.launcher
        let store = self.store
        let abortAt = record.abortAt
        let metrics = self.metrics
        var abortReason: AbortReason?
        var result = RunResult(spawnError: "the run did not report back")
        var follower: JournalFollower?
        await withTaskGroup(of: RaceResult.self) { group in
            group.addTask {
                .finished(await launcher.run(request) { pid in
                    _ = try? await store.markRunning(id: request.decisionID, pid: pid, now: clock.now())
                })
            }
            group.addTask {
                // A clock may wake a little early; the deadline only counts once it has really passed.
                while clock.now() < abortAt {
                    do { try await clock.sleep(until: abortAt) } catch { return .idle }
                }
                return .deadline
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return .idle }
                return .shutdown
            }
            if let election = self.election {
                group.addTask {
                    // Bounded by the run: cancelled with the others once it is over.
                    while await election.isLeading {
                        do { try await Task.sleep(for: .milliseconds(100)) } catch { return .idle }
                    }
                    return .leadershipLost
                }
            }
            group.addTask {
                // Keeps the faults-active gauge current from the run's journal, reading only what was appended
                // since the last look (bounded per look).
                var follower: JournalFollower?
                while !Task.isCancelled {
                    if follower == nil, let runDir = JournalInspector.runDirectories(in: runsDir).last {
                        follower = JournalFollower(runDir: runDir)
                    }
                    if var current = follower {
                        current.advance()
                        metrics.setFaultsActive(current.openFaults.faults.count)
                        metrics.setFaults(run: URL(fileURLWithPath: current.path).deletingLastPathComponent().lastPathComponent, ledger: current.ledger)
                        follower = current
                    }
                    try? await Task.sleep(for: .seconds(2))
                }
                return .journal(follower)
            }
            while let next = await group.next() {
                switch next {
                case .finished(let finished):
                    result = finished
                    group.cancelAll()
                case .journal(let followed):
                    follower = followed
                case .deadline where abortReason == nil:
                    if case .abort(_, let reason) = machine.tick(now: clock.now(), decisions: [], gates: await gates()) {
                        abortReason = reason
                        // Cancelling the run task sends SIGTERM; the notification goes out while it reverts.
                        group.cancelAll()
                        await abort(record, reason: reason)
                    }
                case .leadershipLost where abortReason == nil:
                    if case .abort(_, let reason) = machine.leadershipLost() {
                        abortReason = reason
                        group.cancelAll()
                        await abort(record, reason: reason)
                    }
                case .shutdown where abortReason == nil:
                    if case .abort(_, let reason) = machine.shutdown() {
                        abortReason = reason
                        // Cancelling the run task sends SIGTERM; the notification goes out while it reverts.
                        group.cancelAll()
                        await abort(record, reason: reason)
                    }
                default:
                    break
                }
            }
        }
        // The run is over (exited, or killed after the grace): its journal says what it left applied, and
        // `gameday recover` reverts that before anything is recorded.
        let truth = await RunSettlement.settle(runDir: result.runDir, following: follower, launcher: launcher, logger: logger)
        metrics.setRunInProgress(false)
        metrics.setFaultsActive(truth.verdict == .stillActive ? truth.faults.count : 0)
        let endedAt = clock.now()
        let (status, detail) = SchedulerStateMachine.outcome(of: result, abortedFor: abortReason, truth: truth)
        do {
            try await store.markFinished(id: record.id, status: status, reason: abortReason?.rawValue, detail: detail,
                                   exitCode: result.exitCode, runDir: result.runDir, now: endedAt)
        } catch {
            logger.error("cannot record the run's outcome", metadata: ["decision": "\(record.id)", "error": "\(error)"])
        }
        metrics.runFinished(status)
        let level: Logger.Level = status == .revertFailed ? .critical : .notice
        logger.log(level: level, "run finished", metadata: ["decision": "\(record.id)", "status": "\(status.rawValue)",
                                                            "detail": "\(detail)", "runDir": "\(result.runDir ?? "-")"])
        let postmortem = result.runDir.map { URL(fileURLWithPath: $0).appendingPathComponent("postmortem.md").path }
        await dependencies.notifier?.notify(ScheduleNotification(event: .finish, decision: record.id, scenario: record.scenario,
                                                                 plan: record.plan, at: endedAt, status: status.rawValue,
                                                                 reason: abortReason?.rawValue ?? detail,
                                                                 runDir: result.runDir, postmortem: postmortem))
        machine.runFinished(id: record.id, startedAt: startedAt, now: endedAt)
    }

    func abort(_ record: DecisionRecord, reason: AbortReason) async {
        metrics.aborted(reason)
        logger.warning("aborting run (SIGTERM; it reverts)", metadata: ["decision": "\(record.id)", "reason": "\(reason.rawValue)"])
        await dependencies.notifier?.notify(ScheduleNotification(event: .abort, decision: record.id, scenario: record.scenario,
                                                                 plan: record.plan, at: dependencies.clock.now(),
                                                                 reason: reason.rawValue))
    }

    func sleep(until date: Date) async {
        let clock = dependencies.clock
        try? await cancelWhenGracefulShutdown { try await clock.sleep(until: date) }
    }
}
