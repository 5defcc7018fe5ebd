import ArgumentParser
import Dispatch
import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import GameDayJournal
import GameDayPlan
import GameDayProbes
import GameDayReport
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
        let proxies = try await RunProxies.start(plan.proxies, logger: logger)
        do {
            return try await execute(plan: plan, resolved: resolved, proxies: proxies)
        } catch {
            await proxies.stop()
            throw error
        }
    }

    private func execute(plan: Plan, resolved: Schedule, proxies: RunProxies) async throws -> Result {
        let runsURL = URL(fileURLWithPath: options.runsDir, isDirectory: true)
        try FileManager.default.createDirectory(at: runsURL, withIntermediateDirectories: true)
        let directory = try RunDirectory.create(in: runsURL, planName: plan.name, date: Date())
        let lock = try RunLock(directory: directory.url)
        defer { lock.release() }
        try? FileManager.default.copyItem(at: URL(fileURLWithPath: options.planFile), to: directory.planCopyURL)

        var schedule = resolved
        for index in schedule.steps.indices {
            let step = schedule.steps[index]
            let targets: [Target?] = step.targets.isEmpty ? [nil] : step.targets.map { Optional($0) }
            schedule.steps[index].preview = targets.compactMap { StepPreview.preview(step, $0, runID: directory.id) }
        }

        let writer = try JournalWriter(url: directory.journalURL)
        defer { writer.close() }
        let clock = SystemRunClock()
        let recorder = SequencedRecorder(clock: clock) { event, sync in try writer.append(event, sync: sync) }

        let context = InjectionContext(runID: directory.id, proxyAPIs: proxies.apis, dryRun: options.dryRun)
        let executors = ExecutorCatalog(runID: directory.id, logger: logger)
        let catalog = InjectorCatalog(executors: executors, logger: logger)
        let reverter = CompositeReverter(executors: executors.provider, proxy: catalog.proxyReverter, remote: catalog.remoteReverter)

        let absolutePlan = URL(fileURLWithPath: options.planFile).standardizedFileURL.path
        let start = RunStart(runID: directory.id, planName: plan.name, planFile: absolutePlan, description: plan.description,
                             environment: plan.environment, runbook: plan.runbook, risk: plan.risk, dryRun: options.dryRun,
                             checks: plan.health, hypothesis: plan.hypothesis, guardrails: plan.guardrails,
                             schedule: schedule, version: GameDayVersion.current)
        let configuration = RunConfiguration(start: start, dryRun: options.dryRun, revertDeadline: options.revertDeadline)
        let quiet = options.quiet
        let runner = Runner(configuration: configuration, clock: clock, injectors: catalog.lookup, reverter: reverter,
                            probes: ProbeRunner(logger: logger), recorder: recorder, context: context, logger: logger,
                            progress: { line in if !quiet { Console.err(line) } })

        if !quiet {
            Console.err("gameday: running \(plan.name) (seed \(schedule.seed)\(options.dryRun ? ", DRY RUN" : "")) for about \(schedule.totalDuration); journal: \(directory.journalURL.path)")
            if options.interactive { Console.err("  type d⏎ when you detect the problem, m⏎ when mitigated, n TEXT⏎ for a note") }
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

        let outcome = await runner.run()
        await proxies.stop()
        await executors.close()

        let contents = try JournalReader.read(url: directory.journalURL)
        let analysis = RunAnalysis(events: contents.events)
        let markdown = Postmortem.render(contents.events, integrity: JournalIntegrity(tornTail: contents.tornTail, skippedLines: contents.skippedLines))
        try Data(markdown.utf8).write(to: directory.postmortemURL, options: .atomic)
        if !quiet {
            Console.err("gameday: \(outcome.status.rawValue)\(outcome.reason.map { " (\($0))" } ?? ""); verdict \(analysis.verdict.title)")
            if !outcome.stillActive.isEmpty {
                Console.err("gameday: FAULT STILL ACTIVE: \(outcome.stillActive.joined(separator: ", ")); see \(directory.postmortemURL.path)")
            }
            Console.err("gameday: postmortem: \(directory.postmortemURL.path)")
        }
        return Result(runDirectory: directory, exitCode: analysis.exitCode, verdict: analysis.verdict.title)
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

    /// Whether some live process holds the run's lock.
    static func isHeld(directory: URL) -> Bool {
        let fd = open(directory.appendingPathComponent(".lock").path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return true
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Turns SIGINT and SIGTERM into a call (once per signal), instead of the default of dying on the spot.
final class SignalForwarder: @unchecked Sendable {
    // Safe: sources are created in init and only cancelled in stop(); the handler runs on a serial queue.
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "gameday.signals")

    init(_ handler: @escaping @Sendable (String) -> Void) {
        // A parent may have started us with these signals blocked (children inherit the mask); an operator's
        // Ctrl-C and a scheduler's SIGTERM must always reach the run.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(name) }
            source.resume()
            sources.append(source)
        }
    }

    func stop() {
        sources.forEach { $0.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
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
