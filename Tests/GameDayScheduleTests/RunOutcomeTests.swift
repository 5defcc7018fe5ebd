import Foundation
import GameDayCore
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// How the daemon records a finished `gameday run` (moved out of SchedulerStateMachineTests when the state machine
/// went to GameDayCalendar: these need the daemon's RunResult, RevertTruth and RunRequest).
@Suite struct RunOutcomeTests {
    /// Exit codes map to outcomes; a revert failure beats an abort; scheduler aborts are labelled.
    @Test func outcomes() {
        let clean = RevertTruth(verdict: .revertedByRun, runDir: "/r")
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 0), abortedFor: nil, truth: clean) == (.held, "the hypothesis held"))
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 1), abortedFor: nil, truth: clean).status == .violated)
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 2), abortedFor: nil, truth: RevertTruth(verdict: .noJournal)).status == .invalid)
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: nil, truth: clean).status == .aborted)
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 4), abortedFor: .windowEnd, truth: clean).status == .revertFailed)
        #expect(SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: .shutdown, truth: clean).status == .aborted)
        #expect(SchedulerStateMachine.outcome(of: RunResult(signal: 9), abortedFor: nil, truth: clean).status == .failed)
        #expect(SchedulerStateMachine.outcome(of: RunResult(spawnError: "no such file"), abortedFor: nil, truth: RevertTruth(verdict: .noJournal))
                == (.failed, "no such file"))
    }

    /// A run whose preflight found a target not ready (exit 3, nothing applied) is recorded as "not-ready" with the
    /// run's own reasons; another exit-3 abort keeps "aborted" and says why from the journal.
    @Test func notReadyRunsAreRecordedWithTheirReasons() {
        let reason = "preflight: not ready (1 of 9 checks failed (web-3)); nothing was applied"
        let notReady = SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: nil,
                                                     truth: RevertTruth(verdict: .revertedByRun, runDir: "/r", endReason: reason))
        #expect(notReady.status == .notReady)
        #expect(notReady.detail == reason)
        let tripped = SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: nil,
                                                    truth: RevertTruth(verdict: .revertedByRun, runDir: "/r", endReason: "guardrail tripped: storefront unhealthy for 10s"))
        #expect(tripped.status == .aborted)
        #expect(tripped.detail == "the run aborted: guardrail tripped: storefront unhealthy for 10s")
        #expect(DecisionStatus.notReady.isFinal)
    }

    /// An aborted run's record says who reverted its faults, from the journal: the run, or recover after it was
    /// killed; faults still active make it revert-failed whatever the exit was, naming them and the command.
    @Test func abortOutcomeTellsTheTruth() {
        let byRun = SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: .windowEnd,
                                                  truth: RevertTruth(verdict: .revertedByRun, runDir: "/r"))
        #expect(byRun.status == .aborted)
        #expect(byRun.detail.contains("reverted by the run"))
        let byRecover = SchedulerStateMachine.outcome(of: RunResult(), abortedFor: .shutdown,
                                                      truth: RevertTruth(verdict: .revertedByRecover, runDir: "/r", faults: ["0.web-1"], runEnded: false))
        #expect(byRecover.status == .aborted)
        #expect(byRecover.detail.contains("gameday recover reverted 0.web-1"))
        #expect(byRecover.detail.contains("no run.end"))
        let stuck = SchedulerStateMachine.outcome(of: RunResult(exitCode: 3), abortedFor: .windowEnd,
                                                  truth: RevertTruth(verdict: .stillActive, runDir: "/r", faults: ["0.web-1", "1.db"],
                                                                     runEnded: false, note: "gameday recover could not revert every fault (exit 4): x"))
        #expect(stuck.status == .revertFailed)
        #expect(stuck.detail.contains("FAULTS STILL ACTIVE: 0.web-1, 1.db"))
        #expect(stuck.detail.contains("`gameday recover /r`"))
    }

    /// The child's revert deadline fits inside the abort grace, with a margin, and never drops under a second.
    @Test func revertDeadlineFitsTheGrace() {
        #expect(RunRequest.revertDeadline(forGrace: .seconds(30)) == .milliseconds(22_500))
        #expect(RunRequest.revertDeadline(forGrace: .seconds(120)) == .seconds(90))
        #expect(RunRequest.revertDeadline(forGrace: .seconds(4)) == .seconds(1))
        let request = RunRequest(decisionID: "d", plan: "p", runsDir: "/r", seed: 1, abortGrace: .seconds(30))
        #expect(request.revertDeadlineArgument == "22500ms")
    }
}
