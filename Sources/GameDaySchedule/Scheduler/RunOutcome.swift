import Foundation
import GameDayCalendar

extension SchedulerStateMachine {
    /// How a finished `gameday run` is recorded, from its exit (DESIGN.md: 0 held, 1 violated, 2 invalid plan,
    /// 3 aborted by a guardrail, 4 a revert failed), whether the scheduler aborted it, and what its journal (and
    /// `gameday recover`) showed afterwards. Faults still active always make it `revert-failed`.
    public static func outcome(of result: RunResult, abortedFor reason: AbortReason?, truth: RevertTruth) -> (status: DecisionStatus, detail: String) {
        if truth.verdict == .stillActive { return (.revertFailed, truth.summary) }
        let settled = truth.verdict == .noJournal && result.spawnError != nil ? nil : truth.summary
        func with(_ text: String) -> String { settled.map { "\(text); \($0)" } ?? text }
        if let error = result.spawnError { return (.failed, with(error)) }
        if result.exitCode == 4 {
            let left = truth.verdict == .revertedByRecover ? "" : "; see the postmortem"
            return (.revertFailed, with("a revert failed during the run") + left)
        }
        if let reason {
            let why: String
            switch reason {
            case .windowEnd: why = "the window was closing"
            case .shutdown: why = "the scheduler was shutting down"
            case .leadershipLost: why = "this replica lost its leader lease"
            }
            let how = result.exitCode.map { "exit \($0)" }
                ?? result.signal.map { $0 == SIGKILL ? "killed after the grace (signal 9)" : "signal \($0)" }
                ?? "stopped without an exit status"
            return (.aborted, with("aborted by the scheduler because \(why) (\(how))"))
        }
        let (status, detail): (DecisionStatus, String)
        switch (result.exitCode, result.signal) {
        case (0?, _): (status, detail) = (.held, "the hypothesis held")
        case (1?, _): (status, detail) = (.violated, "the hypothesis was violated")
        case (2?, _): (status, detail) = (.invalid, "the plan is invalid; run `gameday validate` on it")
        case (3?, _) where truth.endReason?.hasPrefix("preflight: not ready") == true:
            // The run's preflight found a target not ready and applied nothing: a "not ready" decision, with why.
            (status, detail) = (.notReady, truth.endReason ?? "")
        case (3?, _): (status, detail) = (.aborted, truth.endReason.map { "the run aborted: \($0)" } ?? "a guardrail aborted the run")
        case (let code?, _): (status, detail) = (.failed, "gameday run exited \(code)")
        case (nil, let signal?): (status, detail) = (.failed, "gameday run was killed by signal \(signal)")
        default: (status, detail) = (.failed, "gameday run ended without an exit status")
        }
        // A clean run needs no more words; anything recover had to do is part of the record.
        return (status, truth.verdict == .revertedByRun && truth.runEnded || truth.verdict == .noJournal ? detail : with(detail))
    }
}
