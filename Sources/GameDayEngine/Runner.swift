import Foundation
import GameDayCore
import Logging
import Synchronization

/// Everything a run needs to know that is not a collaborator.
public struct RunConfiguration: Sendable {
    public var start: RunStart
    public var dryRun: Bool
    /// How long a failing revert is retried before the run gives up on it and reports it loudly.
    public var revertDeadline: TimeSpan
    public var revertBackoffBase: TimeSpan
    public var revertBackoffCap: TimeSpan
    /// Faults of one step applied or reverted at once (fan-out bound).
    public var parallelism: Int
    public var tick: TimeSpan

    public init(start: RunStart, dryRun: Bool = false, revertDeadline: TimeSpan = .seconds(60),
                revertBackoffBase: TimeSpan = .milliseconds(250), revertBackoffCap: TimeSpan = .seconds(5),
                parallelism: Int = 16, tick: TimeSpan = .milliseconds(250)) {
        self.start = start; self.dryRun = dryRun; self.revertDeadline = revertDeadline
        self.revertBackoffBase = revertBackoffBase; self.revertBackoffCap = revertBackoffCap
        self.parallelism = max(1, parallelism); self.tick = tick
    }

    public var schedule: Schedule { start.schedule }

    /// How a failing revert is retried: full-jitter backoff from `revertBackoffBase` up to `revertBackoffCap`,
    /// until `revertDeadline`.
    public var revertBackoff: BackoffPolicy { .until(revertDeadline, base: revertBackoffBase, cap: revertBackoffCap) }
}

/// How a run ended, as journaled in `run.end`.
public struct RunOutcome: Sendable, Equatable {
    public var status: RunEnd.Status
    public var reason: String?
    public var stillActive: [String]
    /// Faults whose apply was attempted (their `inject.begin` was journaled); 0 means nothing was touched.
    public var faultsAttempted: Int
    /// Why the journal stopped accepting writes (a full disk), if it did. The run still reverted everything it
    /// applied, but the journal lacks what happened after the failure (and `run.end`).
    public var journalError: String?

    /// Whether every event reached the journal.
    public var journalComplete: Bool { journalError == nil }

    public init(status: RunEnd.Status, reason: String? = nil, stillActive: [String] = [], faultsAttempted: Int = 0,
                journalError: String? = nil) {
        self.status = status; self.reason = reason; self.stillActive = stillActive
        self.faultsAttempted = faultsAttempted; self.journalError = journalError
    }

    /// The process exit code (DESIGN.md's CLI contract) of a run that ended this way.
    ///
    /// - Parameters:
    ///   - journaled: the code the journal's own analysis gives (nil when the journal could not be read).
    ///   - recordWritten: whether the postmortem was written.
    ///
    /// A fault still active is 4, whatever else happened. When the journal and postmortem are whole, the journal
    /// decides (it is the truth). When the journal broke (a full disk), it lacks the reverts and would call every
    /// fault open, so this outcome decides: 2 only if nothing was touched, else 3 (everything was reverted). When
    /// only the postmortem is missing, 4 from the journal stands, anything else becomes 3. Never 0 or 1 with an
    /// incomplete record: the record that would prove "held" or "violated" is missing.
    public func exitCode(journaled: Int32?, recordWritten: Bool) -> Int32 {
        if !stillActive.isEmpty { return 4 }
        if !journalComplete { return faultsAttempted == 0 ? 2 : 3 }
        if recordWritten, let journaled { return journaled }
        return journaled == 4 ? 4 : 3
    }
}

/// Finds the injector for a fault on a target (nil target: the step has no targets, e.g. a proxy fault).
public typealias InjectorLookup = @Sendable (Fault, Target?) -> (any FaultInjector)?

/// Executes a schedule on a clock: baseline, injects and reverts at their offsets, recovery — with health checks
/// running throughout, guardrails able to cut the chaos short, and every applied fault reverted, newest first, on
/// every way out (invariant 2). Each fault's revert recipe is journaled durably before the fault is applied
/// (invariant 1).
public actor Runner {
    private enum State { case idle, running, finished }
    private enum AbortCause { case guardrail, signal, error, notReady }

    private struct AppliedFault: Sendable {
        var faultID: String
        var stepIndex: Int
        var recipe: RevertRecipe
    }

    private let configuration: RunConfiguration
    private let clock: any RunClock
    private let injectors: InjectorLookup
    private let probes: any ProbeDriver
    private let recorder: any EventRecorder
    private let context: InjectionContext
    private let logger: Logger
    private let progress: @Sendable (String) -> Void
    /// Checks that the targets are ready (`gameday preflight` without rehearsal); started with the baseline and
    /// awaited before the first inject. A report that is not ready aborts the run with nothing applied.
    private let readiness: (@Sendable () async -> PreflightReport)?

    private var state = State.idle
    private var applied: [AppliedFault] = []
    private var stillActive: [String] = []
    private var abortCause: AbortCause?
    private var abortReason: String?
    private let abortEvent = OneShotEvent()
    private let interruptEvent = OneShotEvent()
    private var health: [String: HealthStateMachine] = [:]
    private var guardrails: GuardrailStateMachine
    private var guardrailsArmed = true
    private var journalBroken = false
    private var journalError: String?
    private var faultsAttempted = 0
    /// Interruptions that arrived before `run()` journaled `run.start`; journaled right after it.
    private var pendingInterruptions: [EventBody] = []
    /// Reverts one fault with retries, journaling each attempt.
    private let recovery: Recovery

    public init(configuration: RunConfiguration, clock: any RunClock, injectors: @escaping InjectorLookup,
                reverter: any FaultReverter, probes: any ProbeDriver, recorder: any EventRecorder,
                context: InjectionContext, logger: Logger, progress: @escaping @Sendable (String) -> Void = { _ in },
                readiness: (@Sendable () async -> PreflightReport)? = nil) {
        self.readiness = readiness
        self.configuration = configuration; self.clock = clock; self.injectors = injectors
        self.probes = probes; self.recorder = recorder; self.context = context; self.logger = logger
        self.progress = progress
        for check in configuration.start.checks { health[check.name] = HealthStateMachine(spec: check) }
        guardrails = GuardrailStateMachine(guardrails: configuration.start.guardrails, checks: configuration.start.checks)
        recovery = Recovery(reverter: reverter, clock: clock, backoff: configuration.revertBackoff,
                            jitter: Jitter(seed: configuration.schedule.seed, stream: "revert-backoff"))
    }

    // MARK: - Control from outside

    /// A signal arrived: stop the chaos, revert everything now, skip the recovery wait.
    public func interrupt(signal: String) async {
        guard state != .finished else { return }
        await interrupt(events: [.signal(SignalReceived(name: signal))], reason: "interrupted by \(signal)")
        progress("received \(signal): reverting everything now")
    }

    /// The controller's own output went away (stdout or stderr became a closed pipe, or stopped accepting writes):
    /// nobody can watch the run any more, so it is treated like a signal — revert everything now, journal why.
    /// Journaled as an error with the details plus a `SIGPIPE` signal event (what the kernel sends on such a write).
    public func outputLost(_ why: String) async {
        await interrupt(events: [.error(RunError(message: "the controller's output went away (\(why)): treating it as an interruption and reverting everything")),
                                 .signal(SignalReceived(name: "SIGPIPE"))],
                        reason: "interrupted: output went away (\(why))")
    }

    private func interrupt(events: [EventBody], reason: String) async {
        // After run.end nothing is left to revert, and the journal must end with run.end.
        guard state != .finished else { return }
        if state == .idle {
            pendingInterruptions += events
        } else {
            for body in events { await record(body) }
        }
        abort(.signal, reason: reason)
        interruptEvent.fire()
    }

    /// An operator mark typed at the terminal.
    public func mark(_ kind: OperatorMark.Kind, text: String? = nil) async {
        await record(.mark(OperatorMark(kind: kind, text: text)))
        progress("mark: \(kind.rawValue)\(text.map { " \($0)" } ?? "")")
    }

    /// An operator mark made on the live console (with who made it).
    public func mark(_ mark: OperatorMark) async {
        await record(.mark(mark))
        progress("mark: \(mark.kind.rawValue)\(mark.text.map { " \($0)" } ?? "")\(mark.by.map { " (by \($0)\(mark.role.map { ", \($0)" } ?? ""))" } ?? "")")
    }

    // MARK: - The run

    /// Runs the schedule to its end (or until aborted) and returns how it ended. Never throws: every failure is
    /// journaled and turned into an outcome, after reverting.
    public func run() async -> RunOutcome {
        precondition(state == .idle, "a Runner runs once")
        state = .running
        let schedule = configuration.schedule
        do {
            try await recorder.record(.runStart(configuration.start))
        } catch {
            // Without a journal nothing may be injected: invariant 1.
            state = .finished
            return RunOutcome(status: .failed, reason: "cannot write the journal: \(error)", journalError: "\(error)")
        }
        for body in pendingInterruptions { await record(body) }
        pendingInterruptions = []
        let (samples, continuation) = AsyncStream<ProbeSample>.makeStream(bufferingPolicy: .bufferingNewest(100_000))
        let checks = configuration.start.checks
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [probes] in
                do { try await probes.run(checks: checks) { continuation.yield($0) } }
                catch is CancellationError {}
                catch { await self.probeDriverFailed(error) }
            }
            group.addTask {
                for await sample in samples { await self.handle(sample) }
            }
            group.addTask { [clock, tick = configuration.tick] in
                while !Task.isCancelled {
                    do { try await clock.sleep(until: clock.now() + tick) } catch { return }
                    await self.evaluateGuardrails()
                }
            }
            await self.mainFlow(schedule)
            // Stop probing; let the consumer drain what was already measured.
            continuation.finish()
            group.cancelAll()
        }
        await record(.runEnd(RunEnd(status: finalOutcome().status, reason: abortReason, stillActive: stillActive)))
        state = .finished
        // Computed after run.end, so a journal that failed on run.end itself is reported as incomplete.
        return finalOutcome()
    }

    private func finalOutcome() -> RunOutcome {
        let status: RunEnd.Status
        switch abortCause {
        case nil: status = .completed
        case .guardrail, .notReady: status = .aborted
        case .signal: status = .interrupted
        case .error: status = .failed
        }
        return RunOutcome(status: status, reason: abortReason, stillActive: stillActive, faultsAttempted: faultsAttempted,
                          journalError: journalError)
    }

    private func mainFlow(_ schedule: Schedule) async {
        await record(.phase(PhaseChange(phase: .baseline)))
        progress("baseline: watching \(configuration.start.checks.count) check(s) for \(schedule.baseline)")
        let preflight = readiness.map { check in Task { await check() } }
        if await sleepUnlessAborted(until: schedule.baseline), await ready(preflight) {
            await record(.phase(PhaseChange(phase: .chaos)))
            progress("chaos: \(schedule.steps.count) step(s) over \(schedule.chaosEnd - schedule.baseline)")
            for action in schedule.actions {
                guard await sleepUnlessAborted(until: action.at) else { break }
                let step = schedule.steps[action.stepIndex]
                switch action.kind {
                case .inject: await inject(step)
                case .revert: await revertStep(step.index, reason: .scheduled)
                }
                if abortEvent.isFired { break }
            }
        }
        // Every way out of the chaos passes here: revert whatever is still applied, newest first.
        if !applied.isEmpty {
            let reason = revertReason
            progress("reverting \(applied.count) applied fault(s) (\(reason.rawValue))")
            await revertAll(reason: reason)
        }
        guardrailsArmed = false
        await record(.phase(PhaseChange(phase: .recovery)))
        if interruptEvent.isFired { return }
        let end = clock.now() + schedule.recovery
        progress("recovery: watching for \(schedule.recovery)")
        await sleepUnlessInterrupted(until: end)
    }

    /// Waits for the preflight (unless aborted first), journals it, and aborts when a target is not ready.
    private func ready(_ preflight: Task<PreflightReport, Never>?) async -> Bool {
        guard let preflight else { return true }
        // Awaiting a task's value cannot be cancelled, so it happens in a task of its own that fires `done`: an
        // abort (a signal) must end the wait at once even when a hung host keeps the preflight busy.
        let box = ReportBox()
        let done = OneShotEvent()
        Task { box.set(await preflight.value); done.fire() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await done.wait() }
            group.addTask { [abortEvent] in await abortEvent.wait() }
            await group.next()
            group.cancelAll()
        }
        guard let report = box.value else {
            preflight.cancel()
            return false
        }
        await record(.preflight(report))
        guard report.ready else {
            let problems = report.failures.map { "\($0.subject): \($0.requirement): \($0.detail)" }
            progress("preflight: not ready, nothing was applied:\n  " + problems.joined(separator: "\n  "))
            abort(.notReady, reason: "preflight: not ready (\(report.summary.dropFirst("not ready: ".count))); nothing was applied")
            return false
        }
        progress("preflight: \(report.summary)")
        return !abortEvent.isFired
    }

    // MARK: - Injecting

    private func inject(_ step: ScheduledStep) async {
        let targets: [Target?] = step.targets.isEmpty ? [nil] : step.targets.map { Optional($0) }
        var prepared: [(PreparedFault, String)] = []
        for target in targets {
            guard !abortEvent.isFired else { return }
            guard let injector = injectors(step.fault, target) else {
                await fail("no injector for fault '\(step.fault.kindName)' on \(target?.name ?? "the controller") (access \(target.map { "\($0.access)" } ?? "none"))")
                return
            }
            do {
                let fault = try await injector.prepare(step: step, target: target, context: context)
                prepared.append((fault, "\(step.index).\(fault.target)"))
            } catch {
                await fail("step '\(step.name)' could not prepare \(step.fault.kindName) on \(target?.name ?? "the controller"): \(error)")
                return
            }
        }
        // Write-ahead: every recipe is durable before anything is applied.
        for (fault, faultID) in prepared {
            do {
                try await recorder.record(.injectBegin(InjectBegin(
                    faultID: faultID, step: step.name, stepIndex: step.index, fault: step.fault.kindName,
                    target: fault.target, description: fault.description, recipe: fault.recipe)))
            } catch {
                journalBroken = true
                journalError = journalError ?? "\(error)"
                await fail("cannot journal inject.begin for \(faultID), so it is not applied: \(error)")
                return
            }
            applied.append(AppliedFault(faultID: faultID, stepIndex: step.index, recipe: fault.recipe))
            faultsAttempted += 1
        }
        let dryRun = configuration.dryRun
        let abortEvent = abortEvent
        // nil: not applied, because an abort (a signal, a guardrail, a broken journal) was requested first. Checked
        // right before each apply: the journal's fsyncs and earlier applies of this step take time.
        let results: [(String, Result<String?, any Error>?)] = await forEach(prepared, limit: configuration.parallelism) { item in
            let (fault, faultID) = item
            if abortEvent.isFired { return (faultID, nil) }
            if dryRun { return (faultID, .success("dry run: not applied")) }
            do { return (faultID, .success(try await fault.apply())) } catch { return (faultID, .failure(error)) }
        }
        var failures: [String] = []
        for (faultID, result) in results {
            switch result {
            case nil:
                await closeUnapplied(faultID)
            case .success(let detail):
                await record(.injectEnd(FaultOutcome(faultID: faultID, ok: true, detail: detail)))
                progress("T+\(clock.now()) injected \(step.fault.kindName) [\(step.name)] on \(faultID.split(separator: ".", maxSplits: 1).last ?? ""): \(detail ?? "ok")")
            case .failure(let error):
                await record(.injectEnd(FaultOutcome(faultID: faultID, ok: false, error: "\(error)")))
                failures.append("\(faultID): \(error)")
            }
        }
        if !failures.isEmpty {
            // A half-applied step is reverted at once, then the run stops: an experiment that could not be set up
            // proves nothing.
            await revertStep(step.index, reason: .injectFailed)
            await fail("step '\(step.name)' failed to inject: \(failures.joined(separator: "; "))")
        }
    }

    /// A fault whose `inject.begin` was journaled but that was never applied (the run was aborted first): the
    /// journal says so and closes it, so neither the postmortem nor `gameday recover` takes it for an open fault.
    private func closeUnapplied(_ faultID: String) async {
        applied.removeAll { $0.faultID == faultID }
        await record(.injectEnd(FaultOutcome(faultID: faultID, ok: false, error: "not applied: the run was aborted before this fault's turn (\(abortReason ?? "abort"))")))
        await record(.revertBegin(RevertBegin(faultID: faultID, reason: revertReason, attempt: 1)))
        await record(.revertEnd(FaultOutcome(faultID: faultID, ok: true, detail: "nothing to revert: never applied")))
    }

    // MARK: - Reverting

    private var revertReason: RevertBegin.Reason {
        switch abortCause {
        case .guardrail: return .guardrail
        case .signal: return .signal
        case .error, .notReady: return .error
        case nil: return .scheduled
        }
    }

    private func revertStep(_ stepIndex: Int, reason: RevertBegin.Reason) async {
        let faults = applied.filter { $0.stepIndex == stepIndex }.reversed()
        applied.removeAll { $0.stepIndex == stepIndex }
        guard !faults.isEmpty else { return }
        let outcomes = await forEach(Array(faults), limit: configuration.parallelism) { fault in
            (fault.faultID, await self.revertWithRetry(fault, reason: reason))
        }
        for (faultID, ok) in outcomes where !ok { stillActive.append(faultID) }
    }

    /// Reverts newest first, one step at a time (the faults of one step in parallel).
    private func revertAll(reason: RevertBegin.Reason) async {
        while let last = applied.last {
            await revertStep(last.stepIndex, reason: reason)
        }
    }

    private func revertWithRetry(_ fault: AppliedFault, reason: RevertBegin.Reason) async -> Bool {
        if configuration.dryRun {
            await record(.revertBegin(RevertBegin(faultID: fault.faultID, reason: reason, attempt: 1)))
            await record(.revertEnd(FaultOutcome(faultID: fault.faultID, ok: true, detail: "dry run: nothing was applied")))
            return true
        }
        let manual = fault.recipe.manualInstructions
        switch await recovery.revert(faultID: fault.faultID, recipe: fault.recipe, manual: manual, reason: reason,
                                     record: { await self.record($0) }) {
        case .reverted(let detail):
            progress("T+\(clock.now()) reverted \(fault.faultID): \(detail ?? "ok")")
            return true
        case .stillActive(let error):
            progress("FAULT STILL ACTIVE: \(fault.faultID) could not be reverted: \(error)\n  finish by hand: \(manual)")
            return false
        }
    }

    // MARK: - Health and guardrails

    private func handle(_ sample: ProbeSample) async {
        await record(.probe(sample))
        if var machine = health[sample.check] {
            let transition = machine.record(ok: sample.healthOK, error: sample.healthError)
            health[sample.check] = machine
            if let transition {
                await record(.health(transition))
                guardrails.observe(transition: transition, at: clock.now())
                progress("T+\(clock.now()) \(transition.check) is \(transition.to.rawValue)\(transition.reason.map { " (\($0))" } ?? "")")
            }
        }
        guardrails.observe(check: sample.check, ok: sample.ok, at: clock.now())
        await evaluateGuardrails()
    }

    private func evaluateGuardrails() async {
        guard guardrailsArmed, !abortEvent.isFired else { return }
        if let trip = guardrails.evaluate(at: clock.now()) {
            await record(.guardrail(trip))
            progress("GUARDRAIL TRIPPED: \(trip.reason) — aborting the chaos and reverting everything")
            abort(.guardrail, reason: "guardrail tripped: \(trip.reason)")
        }
    }

    private func probeDriverFailed(_ error: any Error) async {
        await fail("health checks stopped: \(error)")
    }

    // MARK: - Helpers

    private func abort(_ cause: AbortCause, reason: String) {
        if abortCause == nil { abortCause = cause; abortReason = reason }
        abortEvent.fire()
    }

    private func fail(_ message: String) async {
        logger.error("\(message)")
        progress("error: \(message)")
        await record(.error(RunError(message: message)))
        abort(.error, reason: message)
    }

    /// Journals an event; a journal that stops accepting writes aborts the run (after reverting).
    private func record(_ body: EventBody) async {
        guard !journalBroken else { return }
        do {
            try await recorder.record(body)
        } catch {
            journalBroken = true
            journalError = journalError ?? "\(error)"
            logger.critical("journal write failed: \(error)")
            progress("error: journal write failed: \(error); reverting everything")
            abort(.error, reason: "journal write failed: \(error)")
        }
    }

    /// Sleeps until `t`; returns false if the run was aborted first.
    private func sleepUnlessAborted(until t: TimeSpan) async -> Bool {
        await race(until: t, event: abortEvent)
        return !abortEvent.isFired
    }

    private func sleepUnlessInterrupted(until t: TimeSpan) async {
        await race(until: t, event: interruptEvent)
    }

    private func race(until t: TimeSpan, event: OneShotEvent) async {
        guard !event.isFired else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [clock] in try? await clock.sleep(until: t) }
            group.addTask { await event.wait() }
            await group.next()
            group.cancelAll()
        }
    }

    private func forEach<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async -> R) async -> [R] {
        await withTaskGroup(of: (Int, R).self) { group in
            // Results are collected as (index, result) pairs and put in order at the end, never through an array of
            // optionals: with R = (String, Result<String?, any Error>?), a release build read `[R?]` elements back as
            // nil and trapped on `$0!` (swift 6.3.1, -O), so a release `gameday run` died at its first inject.
            var collected: [(Int, R)] = []
            collected.reserveCapacity(items.count)
            var next = 0
            for _ in 0..<min(limit, items.count) {
                let index = next; next += 1
                group.addTask { (index, await body(items[index])) }
            }
            while let pair = await group.next() {
                collected.append(pair)
                if next < items.count {
                    let index = next; next += 1
                    group.addTask { (index, await body(items[index])) }
                }
            }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}

/// The preflight's report, handed from the task that awaited it (set once).
private final class ReportBox: Sendable {
    private let storage = Mutex<PreflightReport?>(nil)
    func set(_ report: PreflightReport) { storage.withLock { $0 = report } }
    var value: PreflightReport? { storage.withLock { $0 } }
}
