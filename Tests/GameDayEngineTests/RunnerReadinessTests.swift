import Foundation
import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayEngine

/// The run's preflight gate: started with the baseline, awaited before the first inject, journaled; a target
/// that is not ready aborts the run with nothing applied.
struct RunnerReadinessTests {
    let oneStep = [Step(name: "kill", at: .zero, duration: .seconds(3), fault: .nodeLoss(NodeLossFault()), targets: Selector(names: ["web-1"]))]

    static let notReady = PreflightReport(items: [
        PreflightItem(subject: "web-1", requirement: "netem qdisc", status: .failed, detail: "latency needs the netem qdisc: unknown", fix: "load sch_netem"),
    ])
    static let ready = PreflightReport(items: [PreflightItem(subject: "web-1", requirement: "reachable", status: .ok, detail: "ssh")])

    /// Not ready: aborted (exit 3), the problems in the reason, the preflight journaled, nothing applied or reverted.
    @Test func notReadyAbortsBeforeTheFirstInject() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, readiness: { Self.notReady })
        #expect(outcome.status == .aborted)
        #expect(outcome.reason?.hasPrefix("preflight: not ready (1 of 1 checks failed (web-1))") == true, "\(outcome.reason ?? "")")
        #expect(await log.actions.isEmpty)
        let types = await log.types.filter { $0 != "probe" && $0 != "health" }
        #expect(types == ["run.start", "phase", "preflight", "phase", "run.end"])
    }

    /// Ready: the preflight is journaled during the baseline and the run goes on as planned.
    @Test func readyRunsAsPlanned() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, readiness: { Self.ready })
        #expect(outcome.status == .completed)
        #expect(await log.actions == ["apply 0.web-1", "revert 0.web-1"])
        let types = await log.types.filter { $0 != "probe" && $0 != "health" }
        #expect(types.prefix(4) == ["run.start", "phase", "preflight", "phase"])
    }

    /// A signal while the preflight is still running ends the run at once, interrupted, with nothing applied.
    @Test func interruptWhileWaitingForThePreflight() async throws {
        let (outcome, log) = try await runScenario(steps: oneStep, interruptAt: .seconds(3), readiness: {
            // Never answers (a hung host): only the interrupt can end the wait.
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
            return Self.ready
        })
        #expect(outcome.status == .interrupted)
        #expect(await log.actions.isEmpty)
        #expect(await !log.types.contains("preflight"))
    }
}
