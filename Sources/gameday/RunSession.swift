import ArgumentParser
import Dispatch
import Foundation
import GameDayAlerts
import GameDayCore
import GameDayEngine
import GameDayInjectors
import GameDayJournal
import GameDayPlan
import GameDayPreflight
import GameDayProbes
import GameDayReport
import GameDaySchedule
import Logging

/// Everything one `gameday run` (or `gameday demo`) wires together: run directory, journal, proxies, probes,
/// injectors, reverter, signals, operator input, and the postmortem at the end.
struct RunSession {
    struct Options {
        var planFile: String
        var seed: UInt64?
        var runsDir: String
        var dryRun: Bool
        var confirmProduction: Bool
        var interactive: Bool
        var revertDeadline: TimeSpan
        var quiet: Bool
        /// `--metrics-listen`: serve the run's Prometheus metrics on this loopback address.
        var metricsListen: String? = nil
        /// Alerts to collect instead of the plan's `alerts:` section (the demo wires its own Alertmanager).
        var alerts: AlertsSpec? = nil
        /// Check during the baseline that every target is ready (`gameday preflight` without rehearsal).
        var preflight: Bool = true
        /// `--console HOST:PORT`: serve the live game-day page (nil: none).
        var console: String? = nil
        /// `--blind`: hide the fault, step and target from the terminal and from participants.
        var blind = false
    }

    struct Result {
        var runDirectory: RunDirectory
        var exitCode: Int32
        var verdict: String
    }

    let options: Options
    let logger: Logger

    func execute() async throws -> Result {
        let (plan, resolved) = try PlanCommand.resolve(file: options.planFile, seed: options.seed)
        if plan.environment == .production && !options.confirmProduction && !options.dryRun {
            Console.err("\(options.planFile): error: this plan targets production; pass --confirm-production to run it (or --dry-run to rehearse)")
            throw ExitCode(ExitCodes.invalid)
        }
        // Proxies: the run starts its own for entries with listen/upstream, and uses the API of the others. They
        // start first, so a port in use stops the run before it has a journal.
        let proxies = try await RunProxies.start(plan.proxies, registry: InProcessProxyRegistry(), logger: logger)
        do {
            // The console binds before the run directory exists: a port in use stops the run with nothing touched.
            let console = try await RunConsole.start(options.console, blind: options.blind, logger: logger)
            do {
                return try await execute(plan: plan, resolved: resolved, proxies: proxies, console: console)
            } catch {
                await console?.stop()
                throw error
            }
        } catch {
            await proxies.stop()
            throw error
        }
    }

    private func execute(plan: Plan, resolved: Schedule, proxies: RunProxies, console: RunConsole? = nil) async throws -> Result {
        let runsURL = URL(fileURLWithPath: options.runsDir, isDirectory: true)
        try FileManager.default.createDirectory(at: runsURL, withIntermediateDirectories: true)
        let directory = try RunDirectory.create(in: runsURL, planName: plan.name, date: Date())
        let lock = try RunLock(directory: directory.url)
        defer { lock.release() }
        try? FileManager.default.copyItem(at: URL(fileURLWithPath: options.planFile), to: directory.planCopyURL)

        var schedule = resolved
        for index in schedule.steps.indices {
            schedule.steps[index].preview = ExecutionPlanner.previews(step: schedule.steps[index], runID: directory.id)
        }

        let writer = try JournalWriter(url: directory.journalURL)
        defer { writer.close() }
        let clock = SystemRunClock()
        // A run the scheduler started on PostgreSQL mirrors every event there too (a failure aborts it like a disk's).
        let mirror = try JournalMirrorTarget.fromEnvironment().map { try JournalMirror.connect($0, logger: logger) }
        defer { mirror?.close() }
        let recorder = SequencedRecorder(clock: clock) { event, sync in
            try writer.append(event, sync: sync)
            try mirror?.append(event, sync: sync)
        }

        let context = InjectionContext(runID: directory.id, proxyAPIs: proxies.apis, dryRun: options.dryRun)
        let executors = ExecutorCatalog(runID: directory.id, logger: logger)
        let catalog = InjectorCatalog(executors: executors, logger: logger, inProcessProxies: proxies.registry)
        let reverter = CompositeReverter(executors: executors.provider, proxy: catalog.proxyReverter, remote: catalog.remoteReverter)

        let absolutePlan = URL(fileURLWithPath: options.planFile).standardizedFileURL.path
        var start = RunStart(runID: directory.id, planName: plan.name, planFile: absolutePlan, description: plan.description,
                             environment: plan.environment, runbook: plan.runbook, risk: plan.risk, dryRun: options.dryRun,
                             checks: plan.health, hypothesis: plan.hypothesis, guardrails: plan.guardrails,
                             schedule: schedule, version: GameDayVersion.current)
        // Detection by alerts: the receiver binds before anything is touched (a port in use stops the run here).
        start.alerts = options.alerts ?? plan.alerts
        let alerts = try start.alerts.map { try AlertCollector(spec: $0, recorder: recorder, logger: logger) }
        if let alerts, let bound = try await alerts.start(), !options.quiet { Console.err("gameday: receiving alert webhooks on http://\(bound)/") }
        // Faults on dashboards: metrics derived from every recorded event, served before anything is touched.
        let metrics = options.metricsListen.map { _ in RunMetrics(start: start) }
        let metricsServer = RunMetricsServer()
        if let listen = options.metricsListen, let metrics {
            do {
                let bound = try await metricsServer.start(address: listen, metrics: metrics, logger: logger)
                if !options.quiet { Console.err("gameday: metrics on http://\(bound)/metrics") }
            } catch {
                await alerts?.stop()
                throw error
            }
        }
        let journaled: any EventRecorder = metrics.map { metrics in ObservedRecorder(recorder) { metrics.observe($0.body) } } ?? recorder
        // The terminal's live status block (a TTY only; plain lines otherwise): a view of each event as journaled.
        let statusBlock = StatusBlock.startIfTerminal(blind: options.blind, quiet: options.quiet)
        defer { statusBlock?.stop() }
        let observed: any EventRecorder = statusBlock.map { block in ObservedRecorder(journaled) { block.observe($0) } } ?? journaled
        if options.blind { start.blind = true }
        let configuration = RunConfiguration(start: start, dryRun: options.dryRun, revertDeadline: options.revertDeadline)
        // A blind drill's terminal is in the room: the runner's progress (which names faults and targets) stays off it.
        let quiet = options.quiet || options.blind
        let runner = Runner(configuration: configuration, clock: clock, injectors: catalog.lookup, reverter: reverter,
                            probes: ProbeRunner(logger: logger),
                            recorder: alerts.map { collector in ObservedRecorder(observed) { if case .runStart = $0.body { await collector.arm() } } } ?? observed, context: context, logger: logger,
                            progress: { line in if !quiet { Console.err(line) } },
                            readiness: readiness(plan: plan, schedule: schedule, executors: executors))
        // A closed stdout/stderr (the pager quit, the terminal or log reader went away) interrupts the run like a
        // signal: nobody can watch it any more. Noticed on the next failed write or at once by the watcher.
        Console.onOutputLost { why in Task { await runner.outputLost(why) } }
        let watcher = OutputWatcher()
        defer { watcher?.stop(); Console.onOutputLost(nil) }

        if !quiet {
            Console.err("gameday: running \(plan.name) (seed \(schedule.seed)\(options.dryRun ? ", DRY RUN" : "")) for about \(schedule.totalDuration); journal: \(directory.journalURL.path)")
            if options.interactive { Console.err("  type d⏎ when you detect the problem, m⏎ when mitigated, n TEXT⏎ for a note") }
        }
        if options.blind && !options.quiet {
            Console.err("gameday: blind drill: this terminal does not show which fault, step or target is active (the facilitator's console does)")
        }
        // One multiplexed SSH connection per host, opened before the baseline so the first inject pays no handshake.
        let sshTargets = Array(Set(schedule.steps.flatMap(\.targets).filter { if case .ssh = $0.access { return true } else { return false } }.map(\.name)))
            .sorted().compactMap { name in schedule.steps.flatMap(\.targets).first { $0.name == name } }
        if !sshTargets.isEmpty, !options.dryRun, let pool = executors.pool {
            if !quiet { Console.err("gameday: connecting to \(sshTargets.count) host(s) over ssh") }
            let unreachable = await pool.connectAll(sshTargets, maxConcurrent: 32, timeout: .seconds(20))
            for (name, reason) in unreachable.sorted(by: { $0.key < $1.key }) {
                Console.err("gameday: warning: \(name) is unreachable now (\(reason)); its faults will be retried at their time")
            }
        }
        let signals = SignalForwarder { name in Task { await runner.interrupt(signal: name) } }
        defer { signals.stop() }
        if options.interactive { OperatorInput.start(runner: runner) }
        await console?.attach(journal: directory.journalURL, runner: runner)

        let outcome = await runner.run()
        statusBlock?.stop()
        await alerts?.stop()
        await metricsServer.stop()
        await console?.stop()
        await proxies.stop()
        await executors.close()
        writer.close()
        return finish(outcome, directory: directory)
    }

    /// The preflight a run does during its baseline: hosts and proxy APIs, through the run's own executors (so it
    /// also warms the ssh connections). Nil when disabled or when the plan touches no host and no proxy API.
    private func readiness(plan: Plan, schedule: Schedule, executors: ExecutorCatalog) -> (@Sendable () async -> PreflightReport)? {
        guard options.preflight else { return nil }
        let hosts = Preflight.hostWork(schedule: schedule)
        guard Preflight.hasWork(schedule: schedule, hosts: hosts) else { return nil }
        let provider = executors.provider
        var preflight = PreflightWiring.make(pool: executors.pool, logger: logger)
        preflight.executorFor = { target in provider(ExecutorRef(target: target)) }
        return { [preflight] in
            await preflight.run(plan: plan, schedule: schedule, hosts: hosts, runsDirectory: nil, health: false)
        }
    }

    /// Renders the postmortem and works out the exit code. Never throws: faults were (possibly) applied, so exit 2
    /// ("nothing touched") is no longer an honest answer. What cannot be written to the run directory (a full disk)
    /// is said on stderr instead — still-active faults first, then what happened.
    private func finish(_ outcome: RunOutcome, directory: RunDirectory) -> Result {
        if !outcome.stillActive.isEmpty {
            Console.err("gameday: FAULT STILL ACTIVE: \(outcome.stillActive.joined(separator: ", ")); finish by hand (see the postmortem or the journal) or run `gameday recover \(directory.url.path)`")
        }
        var journaled: Int32?
        var verdict: String?
        var postmortemError: String?
        do {
            let contents = try JournalReader.read(url: directory.journalURL)
            let analysis = RunAnalysis(events: contents.events)
            journaled = analysis.exitCode
            verdict = analysis.verdict.title
            let markdown = directory.postmortem(of: contents)
            do {
                try Data(markdown.utf8).write(to: directory.postmortemURL, options: .atomic)
                directory.writeChartsOrWarn(of: contents)
            } catch {
                postmortemError = "\(error.localizedDescription)"
            }
        } catch {
            postmortemError = "cannot read the journal back: \(error)"
        }
        let exitCode = outcome.exitCode(journaled: journaled, recordWritten: postmortemError == nil)
        let complete = outcome.journalComplete && postmortemError == nil
        if !complete { verdict = Self.verdictTitle(exitCode: exitCode) + " (record incomplete)" }
        let title = verdict ?? Self.verdictTitle(exitCode: exitCode)
        if !options.quiet || !complete {
            Console.err("gameday: \(outcome.status.rawValue)\(outcome.reason.map { " (\($0))" } ?? ""); verdict \(title)")
        }
        if let journalError = outcome.journalError {
            // Loud whatever --quiet says: the journal is the run's record and part of it is missing.
            Console.err("gameday: the journal stopped accepting writes (\(journalError)): it lacks what happened after that, including the reverts and run.end")
            Console.err("gameday: faults applied: \(outcome.faultsAttempted); still active: \(outcome.stillActive.isEmpty ? "none (every applied fault was reverted)" : outcome.stillActive.joined(separator: ", "))")
            if outcome.faultsAttempted > 0 {
                Console.err("gameday: once there is space, `gameday recover \(directory.url.path)` closes the journal (its reverts are harmless repeats)")
            }
        }
        if let postmortemError {
            Console.err("gameday: cannot write the postmortem \(directory.postmortemURL.path): \(postmortemError); once there is space, run `gameday report \(directory.url.path)`")
        } else if !options.quiet {
            Console.err("gameday: postmortem: \(directory.postmortemURL.path)")
        }
        return Result(runDirectory: directory, exitCode: exitCode, verdict: title)
    }

    private static func verdictTitle(exitCode: Int32) -> String {
        switch exitCode {
        case ExitCodes.held: return "HELD"
        case ExitCodes.violated: return "VIOLATED"
        case ExitCodes.invalid: return "NOTHING TOUCHED"
        case ExitCodes.revertFailed: return "REVERT FAILED"
        default: return "ABORTED"
        }
    }
}

/// Holds an exclusive lock on a run directory while its run is alive, so `gameday recover` never touches a run that
/// is still in progress. The kernel drops the lock when the process dies, whatever kills it.
final class RunLock {
    private let fd: Int32

    init(directory: URL) throws {
        fd = open(directory.appendingPathComponent(".lock").path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot create the run lock in \(directory.path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw ValidationError("run \(directory.lastPathComponent) is locked by another gameday process") }
    }

    private init(fd: Int32) { self.fd = fd }

    /// Takes the run's lock if no other process holds it: nil when it is held (a live run, or another `recover`).
    /// A lock file that cannot be created or opened for writing (a read-only or full filesystem) is opened
    /// read-only: flock(2) does not need write access, and recovering such a run is exactly when it matters.
    static func acquire(directory: URL) throws -> RunLock? {
        let path = directory.appendingPathComponent(".lock").path
        var fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        if fd < 0 { fd = open(path, O_RDONLY | O_CLOEXEC) }
        // No lock file and none can be made: no run can be holding one either (a run makes it first thing), so the
        // directory itself is locked, which still keeps two `recover`s apart.
        if fd < 0 { fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else {
            throw ValidationError("cannot open the run lock in \(directory.path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return RunLock(fd: fd)
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Turns SIGINT, SIGTERM and SIGHUP into a call (once per signal), instead of the default of dying on the spot.
/// SIGHUP is what a run gets when the operator's terminal or ssh session closes: it must revert, not die.
final class SignalForwarder: @unchecked Sendable {
    // Safe: sources are created in init and only cancelled in stop(); the handler runs on a serial queue.
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "gameday.signals")

    init(_ handler: @escaping @Sendable (String) -> Void) {
        // A parent may have started us with these signals blocked (children inherit the mask); an operator's
        // Ctrl-C and a scheduler's SIGTERM must always reach the run.
        // `nohup gameday run …` starts us with SIGHUP ignored: the operator asked the run to outlive the terminal,
        // so that request is kept (and SIGHUP stays ignored) instead of turning a logout into an abort.
        let hangupIgnored = Self.isIgnored(SIGHUP)
        signals = Self.forwarded.filter { !(hangupIgnored && $0.0 == SIGHUP) }
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for (number, _) in signals { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for (number, name) in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(name) }
            source.resume()
            sources.append(source)
        }
    }

    static let forwarded: [(Int32, String)] = [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")]
    /// The signals this forwarder took over (SIGHUP is left out when it was ignored at start).
    private let signals: [(Int32, String)]

    private static func isIgnored(_ number: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(number, nil, &current) == 0 else { return false }
        return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    func stop() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
        for (number, _) in signals { signal(number, SIG_DFL) }
    }
}

/// Reads operator marks from the terminal: `d` detected, `m` mitigated, `n TEXT` note.
enum OperatorInput {
    static func start(runner: Runner) {
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty else { continue }
                let kind: OperatorMark.Kind
                var note: String?
                switch text.first {
                case "d": kind = .detected
                case "m": kind = .mitigated
                case "n":
                    kind = .note
                    note = String(text.dropFirst()).trimmingCharacters(in: .whitespaces)
                default:
                    Console.err("marks: d = detected, m = mitigated, n TEXT = note")
                    continue
                }
                Task { await runner.mark(kind, text: note) }
            }
        }
        thread.start()
    }
}
