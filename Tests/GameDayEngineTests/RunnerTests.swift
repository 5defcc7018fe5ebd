import Foundation
import GameDayCore
import GameDayFaults
import Logging
import Testing
@testable import GameDayEngine

// Pure-unit fakes: the runner's collaborators are protocols; real injectors and probes are tested elsewhere.

actor EventLog: EventRecorder {
    let clock: ManualRunClock
    var events: [JournalEvent] = []
    var actions: [String] = []
    init(clock: ManualRunClock) { self.clock = clock }
    func record(_ body: EventBody) throws -> JournalEvent {
        let event = JournalEvent(seq: events.count + 1, t: clock.now().milliseconds, wall: clock.wallMillis(), body: body)
        events.append(event)
        return event
    }
    func act(_ action: String) { actions.append(action) }
    func hasInjectBegin(_ faultID: String) -> Bool {
        events.contains { if case .injectBegin(let b) = $0.body { return b.faultID == faultID } else { return false } }
    }
    var types: [String] { events.map(\.body.type) }
}

struct ScriptedProbes: ProbeDriver {
    let clock: ManualRunClock
    let healthy: @Sendable (String, TimeSpan) -> Bool
    /// Successful probes for which this holds are slow (334 ms against a 200 ms slowerThan).
    var slow: @Sendable (String, TimeSpan) -> Bool = { _, _ in false }
    func run(checks: [HealthCheckSpec], sink: @escaping @Sendable (ProbeSample) -> Void) async throws {
        var next = TimeSpan.zero
        while !Task.isCancelled {
            try await clock.sleep(until: next)
            for check in checks {
                let ok = healthy(check.name, clock.now())
                if ok && slow(check.name, clock.now()) {
                    sink(ProbeSample(check: check.name, ok: true, ms: 334).judgingSpeed(slowerThan: .milliseconds(200)))
                    continue
                }
                sink(ProbeSample(check: check.name, ok: ok, ms: 1, error: ok ? nil : "down"))
            }
            next = next + .milliseconds(500)
        }
    }
}

struct RecordingInjector: FaultInjector {
    let log: EventLog
    var failApplyOn: String?
    func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        let name = target?.name ?? "controller"
        let faultID = "\(step.index).\(name)"
        return PreparedFault(target: name, description: "test fault", recipe: .command(CommandRevert(argv: ["undo", faultID]))) { [log, failApplyOn] in
            // Invariant 1: the recipe must already be in the journal when the fault is applied.
            guard await log.hasInjectBegin(faultID) else { throw InjectorTestError("applied before inject.begin was journaled") }
            await log.act("apply \(faultID)")
            if failApplyOn == faultID { throw InjectorTestError("boom") }
            return "applied"
        }
    }
}

struct InjectorTestError: Error, CustomStringConvertible { var description: String; init(_ d: String) { description = d } }

actor RecordingReverter: FaultReverter {
    let log: EventLog
    var failuresLeft: [String: Int]
    init(log: EventLog, failures: [String: Int] = [:]) { self.log = log; self.failuresLeft = failures }
    func revert(_ recipe: RevertRecipe) async throws -> String? {
        guard case .command(let c) = recipe else { return nil }
        let id = c.argv[1]
        if let left = failuresLeft[id], left > 0 {
            failuresLeft[id] = left - 1
            throw InjectorTestError("revert failed")
        }
        await log.act("revert \(id)")
        return "reverted"
    }
}

/// Builds a runner over fakes and drives the manual clock until the run ends.
func runScenario(steps: [Step], checks: [HealthCheckSpec] = [HealthCheckSpec(name: "svc", kind: .tcp(host: "x", port: 1))],
                 guardrails: [GuardrailSpec] = [], healthy: @escaping @Sendable (String, TimeSpan) -> Bool = { _, _ in true },
                 slow: @escaping @Sendable (String, TimeSpan) -> Bool = { _, _ in false },
                 failApplyOn: String? = nil, revertFailures: [String: Int] = [:], revertDeadline: TimeSpan = .seconds(60),
                 interruptAt: TimeSpan? = nil,
                 readiness: (@Sendable () async -> PreflightReport)? = nil) async throws -> (RunOutcome, EventLog) {
    let clock = ManualRunClock()
    let log = EventLog(clock: clock)
    let targets = fleet(4)
    let p = Plan(name: "t", targets: targets, health: checks, guardrails: guardrails,
                 timeline: Timeline(baseline: .seconds(2), recovery: .seconds(2)), steps: steps)
    let schedule = try ScheduleResolver.resolve(plan: p, seed: 1)
    let start = RunStart(runID: "r", planName: "t", planFile: "/t.yaml", description: nil, environment: .staging, runbook: nil,
                         risk: nil, dryRun: false, checks: checks, hypothesis: [], guardrails: guardrails, schedule: schedule, version: "test")
    let injector = RecordingInjector(log: log, failApplyOn: failApplyOn)
    let runner = Runner(configuration: RunConfiguration(start: start, revertDeadline: revertDeadline),
                        clock: clock, injectors: { _, _ in injector }, reverter: RecordingReverter(log: log, failures: revertFailures),
                        probes: ScriptedProbes(clock: clock, healthy: healthy, slow: slow), recorder: log,
                        context: InjectionContext(runID: "r"), logger: Logger(label: "test"), readiness: readiness)
    let task = Task { await runner.run() }
    var interrupted = false
    for _ in 0..<20_000 {
        if let at = interruptAt, !interrupted, clock.now() >= at { interrupted = true; await runner.interrupt(signal: "SIGINT") }
        try await Task.sleep(for: .microseconds(200))
        clock.advance(by: .milliseconds(50))
        if await log.types.last == "run.end" { break }
    }
    let outcome = await task.value
    return (outcome, log)
}

struct RunnerTests {
    let oneStep = [Step(name: "kill", at: .zero, duration: .seconds(3), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-1"]))]

    /// Slow but successful probes turn the check unhealthy with the slow reason, and healthy again once fast.
    @Test func slowProbesTurnHealthUnhealthy() async throws {
        let (_, log) = try await runScenario(steps: oneStep, slow: { _, t in t >= .seconds(3) && t < .seconds(5) })
        let transitions = await log.events.compactMap { event -> (Int64, HealthTransition)? in
            if case .health(let h) = event.body { return (event.t, h) } else { return nil }
        }
        let unhealthy = try #require(transitions.first { $0.1.to == .unhealthy })
        #expect(unhealthy.1.reason == "3 consecutive failed probes: slow: 334 ms > 200 ms")
        #expect(unhealthy.0 >= 3000 && unhealthy.0 < 5000)
        #expect(transitions.contains { $0.1.to == .healthy && $0.0 > unhealthy.0 })
        // Availability is untouched: every probe was a success.
        #expect(await log.events.allSatisfy { if case .probe(let p) = $0.body { return p.ok } else { return true } })
    }

    /// A normal run: phases in order, inject.begin before the apply, revert at the scheduled time, run.end completed.
    @Test func normalRun() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep)
        #expect(outcome.status == .completed)
        let events = await log.events
        let types = events.map(\.body.type).filter { $0 != "probe" && $0 != "health" }
        #expect(types == ["run.start", "phase", "phase", "inject.begin", "inject.end", "revert.begin", "revert.end", "phase", "run.end"])
        let inject = events.first { $0.body.type == "inject.end" }!
        let revert = events.first { $0.body.type == "revert.end" }!
        // On the manual clock: not before the baseline ends, and the revert a full step duration later.
        #expect(inject.t >= 2000)
        #expect(revert.t - inject.t >= 3000 - 50)
        #expect(await log.actions == ["apply 0.web-1", "revert 0.web-1"])
        #expect(events.contains { $0.body.type == "probe" })
    }

    /// A guardrail trip aborts the chaos, reverts everything applied newest first, and skips the remaining steps.
    @Test func guardrailAbortRevertsNewestFirst() async throws {
        let steps = [
            Step(name: "a", at: .zero, duration: .seconds(10), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-1"])),
            Step(name: "b", at: .seconds(1), duration: .seconds(10), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-2"])),
            Step(name: "c", at: .seconds(8), duration: .seconds(1), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-3"])),
        ]
        let (outcome, log) = try await runScenario(
            steps: steps, guardrails: [GuardrailSpec(check: "svc", condition: .unhealthyFor(.seconds(2)))],
            healthy: { _, t in t < .seconds(4) })
        #expect(outcome.status == .aborted)
        #expect(outcome.reason?.contains("guardrail") == true)
        #expect(await log.actions == ["apply 0.web-1", "apply 1.web-2", "revert 1.web-2", "revert 0.web-1"])
        let events = await log.events
        #expect(events.contains { $0.body.type == "guardrail" })
        let reasons = events.compactMap { e -> String? in if case .revertBegin(let r) = e.body { return r.reason.rawValue } else { return nil } }
        #expect(reasons == ["guardrail", "guardrail"])
    }

    /// SIGINT mid-fault reverts every applied fault at once and ends without waiting for recovery.
    @Test func interruptReverts() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, interruptAt: .seconds(3))
        #expect(outcome.status == .interrupted)
        #expect(await log.actions == ["apply 0.web-1", "revert 0.web-1"])
        let events = await log.events
        #expect(events.contains { if case .signal(let s) = $0.body { return s.name == "SIGINT" } else { return false } })
        let end = events.last!
        #expect(end.t < 4500)  // the 2 s recovery wait is skipped
    }

    /// A revert that fails is retried with backoff until it succeeds; every attempt is journaled.
    @Test func revertRetriesUntilSuccess() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, revertFailures: ["0.web-1": 3])
        #expect(outcome.status == .completed)
        #expect(outcome.stillActive.isEmpty)
        let attempts = await log.events.compactMap { e -> Int? in if case .revertBegin(let r) = e.body { return r.attempt } else { return nil } }
        #expect(attempts == [1, 2, 3, 4])
    }

    /// A revert that never succeeds is given up at the deadline and reported still active, with manual instructions.
    @Test func revertGivesUpAtDeadline() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, revertFailures: ["0.web-1": 1_000], revertDeadline: .seconds(3))
        #expect(outcome.stillActive == ["0.web-1"])
        let last = await log.events.last { if case .revertEnd = $0.body { return true } else { return false } }
        guard case .revertEnd(let end)? = last?.body else { Issue.record("no revert.end"); return }
        #expect(end.ok == false)
        #expect(end.manual == "undo 0.web-1")
        if case .runEnd(let runEnd) = await log.events.last?.body { #expect(runEnd.stillActive == ["0.web-1"]) }
        else { Issue.record("run.end missing") }
    }

    /// An inject that fails is reverted at once and the run stops with status failed; later steps never run.
    @Test func injectFailureStopsTheRun() async throws {
        let steps = oneStep + [Step(name: "later", at: .seconds(5), duration: .seconds(1), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-2"]))]
        let (outcome, log) = try await runScenario(steps: steps, failApplyOn: "0.web-1")
        #expect(outcome.status == .failed)
        #expect(await log.actions == ["apply 0.web-1", "revert 0.web-1"])
        #expect(await log.types.contains("error"))
    }

    /// A guardrail that trips during the baseline stops the run before any fault is applied.
    @Test func unhealthyBaselineInjectsNothing() async throws {
        let (outcome, log) = try await runScenario(
            steps: oneStep, guardrails: [GuardrailSpec(check: "svc", condition: .unhealthyFor(.milliseconds(500)))],
            healthy: { _, _ in false })
        #expect(outcome.status == .aborted)
        #expect(await log.actions.isEmpty)
    }
}
