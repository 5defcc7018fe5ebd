import Foundation
import GameDayCore
import GameDayFaults
import Logging
import Testing
@testable import GameDayEngine

/// Forwards to an `EventLog` and, when an `inject.begin` is being journaled, runs a hook first (while the runner
/// is suspended in that write, as it is during a real fsync), e.g. to deliver a signal at that very instant.
actor HookedRecorder: EventRecorder {
    let log: EventLog
    private var hook: (@Sendable () async -> Void)?
    /// Throw on every write once this many events were written (a disk that fills).
    private let failAfter: Int?
    private var written = 0

    init(log: EventLog, failAfter: Int? = nil) { self.log = log; self.failAfter = failAfter }

    func onInjectBegin(_ hook: @escaping @Sendable () async -> Void) { self.hook = hook }

    func record(_ body: EventBody) async throws -> JournalEvent {
        if let failAfter, written >= failAfter { throw InjectorTestError("No space left on device") }
        if case .injectBegin = body, let hook {
            self.hook = nil
            await hook()
        }
        written += 1
        return try await log.record(body)
    }
}

/// A runner over the test fakes with a hooked recorder, driven on the manual clock until it returns.
private func runHooked(steps: [Step], failAfter: Int? = nil, beforeRun: @Sendable (Runner) async -> Void = { _ in },
                       onInjectBegin: (@Sendable (Runner) async -> Void)? = nil) async throws -> (RunOutcome, EventLog) {
    let clock = ManualRunClock()
    let log = EventLog(clock: clock)
    let recorder = HookedRecorder(log: log, failAfter: failAfter)
    let checks = [HealthCheckSpec(name: "svc", kind: .tcp(host: "x", port: 1))]
    let plan = Plan(name: "t", targets: fleet(4), health: checks,
                    timeline: Timeline(baseline: .seconds(2), recovery: .seconds(2)), steps: steps)
    let schedule = try ScheduleResolver.resolve(plan: plan, seed: 1)
    let start = RunStart(runID: "r", planName: "t", planFile: "/t.yaml", description: nil, environment: .staging, runbook: nil,
                         risk: nil, dryRun: false, checks: checks, hypothesis: [], guardrails: [], schedule: schedule, version: "test")
    let injector = RecordingInjector(log: log)
    let runner = Runner(configuration: RunConfiguration(start: start), clock: clock, injectors: { _, _ in injector },
                        reverter: RecordingReverter(log: log), probes: ScriptedProbes(clock: clock, healthy: { _, _ in true }),
                        recorder: recorder, context: InjectionContext(runID: "r"), logger: Logger(label: "test"))
    if let onInjectBegin { await recorder.onInjectBegin { await onInjectBegin(runner) } }
    await beforeRun(runner)
    let done = OneShotEvent()
    let task = Task { let outcome = await runner.run(); done.fire(); return outcome }
    for _ in 0..<20_000 where !done.isFired {
        try await Task.sleep(for: .microseconds(200))
        clock.advance(by: .milliseconds(50))
    }
    let outcome = await task.value
    return (outcome, log)
}

struct RunnerInterruptionTests {
    let twoTargets = [Step(name: "kill", at: .zero, duration: .seconds(3), fault: .nodeLoss(NodeLossFault()),
                           targets: Selector(names: ["web-1", "web-2"]))]

    /// A signal that lands while a step's inject.begin is being journaled stops the apply: no fault is applied
    /// after an abort was requested, and the journal closes the never-applied faults (nothing left open).
    @Test func abortDuringWriteAheadAppliesNothing() async throws {
        let (outcome, log) = try await runHooked(steps: twoTargets, onInjectBegin: { runner in
            await runner.interrupt(signal: "SIGTERM")
        })
        #expect(outcome.status == .interrupted)
        #expect(await log.actions.filter { $0.hasPrefix("apply") } == [], "a fault was applied after the abort")
        let events = await log.events
        let injectEnds = events.compactMap { e -> FaultOutcome? in if case .injectEnd(let o) = e.body { return o } else { return nil } }
        #expect(injectEnds.count == 2, "\(events.map(\.body.type).filter { $0 != "probe" })")
        #expect(injectEnds.allSatisfy { !$0.ok && ($0.error ?? "").contains("not applied") })
        let reverted = Set(events.compactMap { e -> String? in if case .revertEnd(let o) = e.body, o.ok { return o.faultID } else { return nil } })
        #expect(reverted == ["0.web-1", "0.web-2"], "every journaled inject.begin is closed by a successful revert.end")
        #expect(events.last?.body.type == "run.end")
    }

    /// A signal that arrives before the run has journaled run.start is journaled after it (the journal always
    /// starts with run.start) and still ends the run at once, with nothing applied.
    @Test func interruptBeforeRunStartIsJournaledAfterIt() async throws {
        let (outcome, log) = try await runHooked(steps: twoTargets, beforeRun: { runner in
            await runner.interrupt(signal: "SIGHUP")
        })
        #expect(outcome.status == .interrupted)
        let types = await log.types
        #expect(types.first == "run.start")
        #expect(types.contains("signal"))
        #expect(!types.contains("inject.begin"))
        #expect(await log.actions == [])
    }

    /// Lost output (a closed stdout/stderr) interrupts like a signal: revert, journal why, status interrupted.
    @Test func outputLostRevertsAndJournals() async throws {
        let (lost, lostLog) = try await runHookedAfterInject(steps: twoTargets) { runner in
            await runner.outputLost("stderr: Broken pipe")
        }
        #expect(lost.status == .interrupted)
        #expect(lost.reason?.contains("output went away") == true)
        let actions = await lostLog.actions
        #expect(actions.filter { $0.hasPrefix("revert") }.count == 2)
        let events = await lostLog.events
        #expect(events.contains { if case .signal(let s) = $0.body { return s.name == "SIGPIPE" } else { return false } })
        #expect(events.contains { if case .error(let e) = $0.body { return e.message.contains("Broken pipe") } else { return false } })
        #expect(lost.exitCode(journaled: 3, recordWritten: true) == 3)
    }

    /// A journal that stops accepting writes mid-fault: everything applied is still reverted, the outcome says the
    /// journal is incomplete, and the exit code is 3 — never 0 ("held") or 2 ("nothing touched").
    @Test func journalFailureMidFaultRevertsAndExitsThree() async throws {
        // run.start, phase, phase, 2 × inject.begin, 2 × inject.end, then a few probes: then the disk is full.
        let (outcome, log) = try await runHooked(steps: [Step(name: "kill", at: .zero, duration: .seconds(30), fault: .nodeLoss(NodeLossFault()),
                                                              targets: Selector(names: ["web-1", "web-2"]))], failAfter: 12)
        #expect(outcome.journalError?.contains("No space left") == true)
        #expect(outcome.faultsAttempted == 2)
        #expect(await log.actions.filter { $0.hasPrefix("revert") }.count == 2, "faults were left applied when the journal broke")
        #expect(outcome.stillActive.isEmpty)
        // The journal alone would say "faults open" (4): it lacks the reverts. The outcome decides.
        for journaled: Int32? in [nil, 0, 1, 3, 4] {
            #expect(outcome.exitCode(journaled: journaled, recordWritten: false) == 3)
        }
    }

    /// Exit codes derived from an outcome: a still-active fault is 4 whatever the journal says; a whole record
    /// defers to the journal; an incomplete one is 2 only when nothing was touched.
    @Test func exitCodeDerivation() {
        #expect(RunOutcome(status: .completed, stillActive: ["0.a"], faultsAttempted: 1).exitCode(journaled: 0, recordWritten: true) == 4)
        #expect(RunOutcome(status: .completed, faultsAttempted: 1).exitCode(journaled: 1, recordWritten: true) == 1)
        #expect(RunOutcome(status: .completed, faultsAttempted: 1).exitCode(journaled: 0, recordWritten: false) == 3)
        #expect(RunOutcome(status: .failed, faultsAttempted: 0, journalError: "ENOSPC").exitCode(journaled: 3, recordWritten: false) == 2)
        #expect(RunOutcome(status: .failed, faultsAttempted: 0).exitCode(journaled: 0, recordWritten: false) == 3)
        // A broken journal lacks the reverts, so its analysis calls the faults open; the outcome knows better.
        #expect(RunOutcome(status: .failed, faultsAttempted: 2, journalError: "ENOSPC").exitCode(journaled: 4, recordWritten: true) == 3)
        #expect(RunOutcome(status: .completed, faultsAttempted: 2).exitCode(journaled: 4, recordWritten: false) == 4)
    }
}

/// Like `runHooked`, but the hook runs once the step's faults are applied (after the first inject.end).
private func runHookedAfterInject(steps: [Step], _ hook: @escaping @Sendable (Runner) async -> Void) async throws -> (RunOutcome, EventLog) {
    let clock = ManualRunClock()
    let log = EventLog(clock: clock)
    let checks = [HealthCheckSpec(name: "svc", kind: .tcp(host: "x", port: 1))]
    let plan = Plan(name: "t", targets: fleet(4), health: checks,
                    timeline: Timeline(baseline: .seconds(2), recovery: .seconds(2)), steps: steps)
    let schedule = try ScheduleResolver.resolve(plan: plan, seed: 1)
    let start = RunStart(runID: "r", planName: "t", planFile: "/t.yaml", description: nil, environment: .staging, runbook: nil,
                         risk: nil, dryRun: false, checks: checks, hypothesis: [], guardrails: [], schedule: schedule, version: "test")
    let injector = RecordingInjector(log: log)
    let runner = Runner(configuration: RunConfiguration(start: start), clock: clock, injectors: { _, _ in injector },
                        reverter: RecordingReverter(log: log), probes: ScriptedProbes(clock: clock, healthy: { _, _ in true }),
                        recorder: log, context: InjectionContext(runID: "r"), logger: Logger(label: "test"))
    let task = Task { await runner.run() }
    var fired = false
    for _ in 0..<20_000 {
        try await Task.sleep(for: .microseconds(200))
        clock.advance(by: .milliseconds(50))
        if !fired, await log.types.contains("inject.end") { fired = true; await hook(runner) }
        if await log.types.last == "run.end" { break }
    }
    return (await task.value, log)
}
