import GameDayCore
import GameDayFaults
import GameDayJournal
import Testing
@testable import GameDayReport

@Suite struct RunAnalysisTests {
    private let stepA = Fixture.step(0, "a", .command(CommandFault(inject: ["x"])), targets: [Fixture.web1], at: 10_000, until: 20_000)
    private let stepB = Fixture.step(1, "b", .command(CommandFault(inject: ["y"])), targets: [Fixture.web2], at: 15_000, until: 40_000)
    private let undo = RevertRecipe.command(CommandRevert(argv: ["undo"]))

    /// A completed run: baseline, one step, recovery, with the storefront probes given.
    private func run(storefrontFails: @escaping (Int64) -> Bool = { _ in false }, end: RunEnd? = RunEnd(status: .completed),
                     extra: (inout RunScript) -> Void = { _ in }) -> RunAnalysis {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "t", steps: [stepA]))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(stepA, target: "web-1", recipe: undo, description: ""))
        s.add(10_002, .injectEnd(Fixture.ok("0.web-1")))
        s.add(20_000, .revertBegin(RevertBegin(faultID: "0.web-1", reason: .scheduled)))
        s.add(20_001, .revertEnd(Fixture.ok("0.web-1")))
        s.add(20_002, .phase(PhaseChange(phase: .recovery)))
        if let end { s.add(35_000, .runEnd(end)) }
        s.probes("storefront", from: 0, to: 35_000, fails: storefrontFails)
        extra(&s)
        return RunAnalysis(events: s.events)
    }

    /// Everything passing: HELD, exit 0.
    @Test func heldExitsZero() {
        let a = run()
        #expect(a.verdict == .held && a.exitCode == 0)
    }

    /// A failed hypothesis: VIOLATED, exit 1.
    @Test func violatedExitsOne() {
        let a = run(storefrontFails: { $0 == 12_000 })
        #expect(a.verdict == .violated && a.exitCode == 1)
        #expect(a.failedJudgements.map(\.phase) == [.chaos])
    }

    /// A guardrail or a signal: ABORTED, exit 3, even when the hypothesis also failed.
    @Test func abortedOutranksViolated() {
        let guarded = run(storefrontFails: { $0 == 12_000 }, end: RunEnd(status: .aborted, reason: "guardrail")) {
            $0.add(13_000, .guardrail(GuardrailTrip(guardrail: "g", check: "storefront", reason: "r")))
        }
        #expect(guarded.verdict == .aborted && guarded.exitCode == 3)
        let interrupted = run(end: RunEnd(status: .interrupted, reason: "SIGTERM"))
        #expect(interrupted.verdict == .aborted && interrupted.exitCode == 3)
        let failed = run(end: RunEnd(status: .failed, reason: "boom"))
        #expect(failed.verdict == .aborted && failed.exitCode == 3)
    }

    /// A run cut short leaves later phases without samples; that is not a violation, while a completed run's is.
    @Test func emptyPhaseOfInterruptedRunIsNotAViolation() {
        let a = RunAnalysis(events: Scenarios.randomInterrupted)
        let recovery = a.checkStats.first { $0.check == "storefront" && $0.phase == .recovery }
        #expect(recovery?.samples == 0 && recovery?.judgement == .notReached)
        #expect(a.failedJudgements.isEmpty)
    }

    /// A revert that gave up: REVERT FAILED, exit 4, over an abort and a violation.
    @Test func revertFailedOutranksEverything() {
        let a = run(storefrontFails: { $0 == 12_000 }, end: RunEnd(status: .aborted, stillActive: ["1.web-2"])) {
            $0.add(15_000, Fixture.begin(stepB, target: "web-2", recipe: undo, description: ""))
            $0.add(15_001, .injectEnd(Fixture.ok("1.web-2")))
            $0.add(16_000, .guardrail(GuardrailTrip(guardrail: "g", check: "storefront", reason: "r")))
            $0.add(16_001, .revertBegin(RevertBegin(faultID: "1.web-2", reason: .guardrail)))
            $0.add(16_002, .revertEnd(FaultOutcome(faultID: "1.web-2", ok: false, error: "exit 1")))
        }
        #expect(a.verdict == .revertFailed && a.exitCode == 4)
        #expect(a.openFaults.map(\.faultID) == ["1.web-2"])
        #expect(a.openFaults.first?.manualInstructions == "undo")
    }

    /// No run.end: INCOMPLETE, exit 4 with a fault still open, 3 without.
    @Test func incompleteExitCodes() {
        let clean = run(end: nil)
        #expect(clean.verdict == .incomplete && clean.exitCode == 3)
        let open = run(end: nil) {
            $0.add(15_000, Fixture.begin(stepB, target: "web-2", recipe: undo, description: ""))
        }
        #expect(open.verdict == .incomplete && open.exitCode == 4)
        #expect(open.faults.last?.revertStatus == .stillActive)
    }

    /// A phase without samples is "no data" and fails; latency percentiles use successful probes only.
    @Test func noDataFailsAndLatencyUsesSuccesses() {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "t", steps: []))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(20_000, .phase(PhaseChange(phase: .recovery)))
        s.add(30_000, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 10_000, ms: { _ in 5 })
        s.add(12_000, .probe(ProbeSample(check: "storefront", ok: false, ms: 9_000)))
        s.probes("storefront", from: 20_000, to: 30_000, ms: { Double($0 - 19_000) / 10 })
        let a = RunAnalysis(events: s.events)
        let chaos = a.checkStats.first { $0.check == "storefront" && $0.phase == .chaos }
        #expect(chaos?.samples == 1 && chaos?.p99 == nil)
        #expect(chaos?.judgement == .failed(reasons: ["availability 0% < 99%", "p99: no successful probe"]))
        let recovery = a.checkStats.first { $0.check == "storefront" && $0.phase == .recovery }
        #expect(recovery?.p50 == 500 && recovery?.p90 == 900 && recovery?.p99 == 1000)
        #expect(recovery?.judgement == .failed(reasons: ["p99 1000.0 ms > 300ms"]))
        let web2 = a.checkStats.first { $0.check == "web-2" && $0.phase == .baseline }
        #expect(web2?.judgement == .notJudged)

        var empty = RunScript()
        empty.add(0, Fixture.runStart(name: "t", steps: []))
        empty.add(1, .runEnd(RunEnd(status: .completed)))
        let none = RunAnalysis(events: empty.events)
        #expect(none.checkStats.first { $0.check == "storefront" }?.judgement == .noData)
        #expect(none.verdict == .violated)
    }

    /// Unhealthy transitions go to the most recently injected active step; TTD is measured from its inject.
    @Test func detectionAttributedToMostRecentStep() {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "t", steps: [stepA, stepB]))
        s.add(10_000, Fixture.begin(stepA, target: "web-1", recipe: undo, description: ""))
        s.add(10_000, .injectEnd(Fixture.ok("0.web-1")))
        s.add(12_000, Fixture.health("storefront", .healthy, .unhealthy))
        s.add(15_000, Fixture.begin(stepB, target: "web-2", recipe: undo, description: ""))
        s.add(15_000, .injectEnd(Fixture.ok("1.web-2")))
        s.add(17_500, Fixture.health("web-2", .healthy, .unhealthy))
        s.add(20_000, .revertEnd(Fixture.ok("0.web-1")))
        s.add(22_000, Fixture.health("storefront", .unhealthy, .healthy))
        s.add(40_000, .revertEnd(Fixture.ok("1.web-2")))
        s.add(43_000, Fixture.health("web-2", .unhealthy, .healthy))
        s.add(60_000, .runEnd(RunEnd(status: .completed)))
        let steps = RunAnalysis(events: s.events).steps
        #expect(steps.map(\.timeToDetect) == [2_000, 2_500])
        #expect(steps.map(\.unhealthyChecks) == [["storefront"], ["web-2"]])
        #expect(steps[0].recovery == .afterRevert(2_000))
        #expect(steps[1].recovery == .afterRevert(3_000))
    }

    /// A transition within the recovery window after a revert still counts for that step; later ones do not.
    @Test func recoveryWindowBoundsAttribution() {
        func analysis(unhealthyAt t: Int64) -> RunAnalysis.StepDetection? {
            var s = RunScript()
            s.add(0, Fixture.runStart(name: "t", steps: [stepA], recovery: .seconds(15)))
            s.add(10_000, Fixture.begin(stepA, target: "web-1", recipe: undo, description: ""))
            s.add(10_000, .injectEnd(Fixture.ok("0.web-1")))
            s.add(20_000, .revertEnd(Fixture.ok("0.web-1")))
            s.add(t, Fixture.health("storefront", .healthy, .unhealthy))
            s.add(t + 1_000, Fixture.health("storefront", .unhealthy, .healthy))
            s.add(60_000, .runEnd(RunEnd(status: .completed)))
            return RunAnalysis(events: s.events).steps.first
        }
        #expect(analysis(unhealthyAt: 34_999)?.timeToDetect == 24_999)
        #expect(analysis(unhealthyAt: 34_999)?.recovery == .afterRevert(15_999))
        #expect(analysis(unhealthyAt: 35_000)?.timeToDetect == nil)
        #expect(analysis(unhealthyAt: 35_000)?.recovery == .notApplicable)
        #expect(analysis(unhealthyAt: 9_999)?.timeToDetect == nil)
    }

    /// Checks that heal before the revert (a supervisor restart) report inject → healthy; unhealed ones say so.
    @Test func healedBeforeRevertAndNotRecovered() {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "t", steps: [stepA, stepB]))
        s.add(10_000, Fixture.begin(stepA, target: "web-1", recipe: Fixture.killRecipe, description: ""))
        s.add(10_000, .injectEnd(Fixture.ok("0.web-1")))
        s.add(11_000, Fixture.health("web-1", .healthy, .unhealthy))
        s.add(13_000, Fixture.health("web-1", .unhealthy, .healthy))
        s.add(15_000, Fixture.begin(stepB, target: "web-2", recipe: undo, description: ""))
        s.add(15_000, .injectEnd(Fixture.ok("1.web-2")))
        s.add(16_000, Fixture.health("web-2", .healthy, .unhealthy))
        s.add(40_000, .revertEnd(Fixture.ok("1.web-2")))
        s.add(50_000, .runEnd(RunEnd(status: .completed)))
        let steps = RunAnalysis(events: s.events).steps
        #expect(steps[0].recovery == .healedBeforeRevert(injectToHealthy: 3_000))
        #expect(steps[0].revertedT == 20_000)
        #expect(steps[1].recovery == .notRecovered)
    }

    /// Operator marks are attributed like transitions and reported from the step's inject.
    @Test func operatorMarks() {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "t", steps: [stepA]))
        s.add(9_000, .mark(OperatorMark(kind: .detected, text: "too early")))
        s.add(10_000, Fixture.begin(stepA, target: "web-1", recipe: undo, description: ""))
        s.add(10_500, .injectEnd(Fixture.ok("0.web-1")))
        s.add(14_500, .mark(OperatorMark(kind: .detected)))
        s.add(15_000, .mark(OperatorMark(kind: .detected)))
        s.add(18_000, .mark(OperatorMark(kind: .mitigated)))
        s.add(20_000, .revertEnd(Fixture.ok("0.web-1")))
        s.add(30_000, .runEnd(RunEnd(status: .completed)))
        let step = RunAnalysis(events: s.events).steps.first
        #expect(step?.operatorDetected == 4_000)
        #expect(step?.operatorMitigated == 7_500)
        #expect(step?.timeToDetect == nil)
    }

    /// Fault rows carry the revert status: ok, not needed, failed, still active.
    @Test func faultStatuses() {
        let held = RunAnalysis(events: Scenarios.held)
        #expect(held.faults.map(\.revertStatus) == [.notNeeded])
        #expect(RunAnalysis(events: Scenarios.violated).faults.map(\.revertStatus) == [.ok])
        let failed = RunAnalysis(events: Scenarios.revertFailed)
        #expect(failed.faults.map(\.revertStatus) == [.failed])
        #expect(failed.faults.first?.revertAttempts == 3)
        #expect(failed.faults.first?.manualInstructions == "ssh -p 2222 ops@10.0.0.21 'kill -CONT 812'")
        let torn = RunAnalysis(events: Scenarios.incompleteTorn)
        #expect(torn.faults.map(\.revertStatus) == [.stillActive])
        #expect(torn.faults.first?.manualInstructions == "kill -CONT 4141")
    }

    /// The timeline folds probes between other events and keeps every other event.
    @Test func timelineFoldsProbes() {
        let a = RunAnalysis(events: Scenarios.held)
        var events = 0, probes = 0
        for entry in a.timeline {
            switch entry {
            case .event(let e): events += 1; #expect(e.body.type != "probe")
            case .probes(let f): probes += f.count
            }
        }
        #expect(probes == a.totalProbes && probes == 90)
        #expect(events == Scenarios.held.count - 90)
    }
}

/// The postmortem and `gameday recover` read open faults through one ledger, so they cannot disagree.
@Suite struct FaultRowLedgerTests {
    /// For a journal with every kind of fault ending, the report's open rows are recover's open faults (same ids,
    /// same advice: before the ledger, the report fell back to the recipe's advice where recover kept the
    /// journaled one), and the rows follow the journal's order.
    @Test func reportAndRecoverAgree() {
        let bodies: [EventBody] = [
            .injectBegin(InjectBegin(faultID: "0.a", step: "a", stepIndex: 0, fault: "command", target: "a", description: "a",
                                     recipe: .command(CommandRevert(argv: ["undo", "a"])))),
            .injectEnd(FaultOutcome(faultID: "0.a", ok: false, error: "timeout")),
            .injectBegin(InjectBegin(faultID: "1.b", step: "b", stepIndex: 1, fault: "node-loss", target: "b", description: "b",
                                     recipe: .nothing(reason: "SIGKILL"))),
            .injectBegin(InjectBegin(faultID: "2.c", step: "c", stepIndex: 2, fault: "command", target: "c", description: "c",
                                     recipe: .command(CommandRevert(argv: ["undo", "c"])))),
            .revertEnd(FaultOutcome(faultID: "2.c", ok: false, error: "exit 1", manual: "by hand c")),
            .injectBegin(InjectBegin(faultID: "3.d", step: "d", stepIndex: 3, fault: "command", target: "d", description: "d",
                                     recipe: .command(CommandRevert(argv: ["undo", "d"])))),
            .revertEnd(FaultOutcome(faultID: "3.d", ok: true)),
            .injectBegin(InjectBegin(faultID: "4.e", step: "e", stepIndex: 4, fault: "command", target: "e", description: "e",
                                     recipe: .command(CommandRevert(argv: ["undo", "e"])))),
            .revertEnd(FaultOutcome(faultID: "4.e", ok: false, error: "gave up", manual: "by hand e")),
            .revertEnd(FaultOutcome(faultID: "4.e", ok: false, error: "attempt 1 failed, retrying")),
        ]
        let events = bodies.enumerated().map { JournalEvent(seq: $0 + 1, t: Int64($0), wall: Int64($0), body: $1) }
        let analysis = RunAnalysis(events: events)
        let open = OpenFaults(events: events)
        #expect(analysis.faults.map(\.faultID) == ["0.a", "1.b", "2.c", "3.d", "4.e"])
        #expect(analysis.faults.map(\.revertStatus) == [.stillActive, .notNeeded, .failed, .ok, .failed])
        #expect(Set(analysis.openFaults.map(\.faultID)) == Set(open.faults.map(\.faultID)))
        #expect(open.faults.map(\.faultID) == ["4.e", "2.c", "0.a"])
        // A retry that failed without advice after one that gave some: both keep the advice.
        #expect(analysis.openFaults.map(\.manualInstructions) == ["undo a", "by hand c", "by hand e"])
        #expect(open.faults.map(\.manualInstructions) == ["by hand e", "by hand c", "undo a"])
    }
}
