import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// What `gameday recover RUN_DIR` answered (exit 0: nothing left applied; 4: a fault may still be active; 5: skipped,
/// another process holds the run's lock).
public struct RecoverOutcome: Sendable, Equatable {
    /// The exit code, if it ran and exited.
    public var exitCode: Int32?
    /// Its output (stdout and stderr), for the record.
    public var output: String

    public init(exitCode: Int32?, output: String) { self.exitCode = exitCode; self.output = output }

    /// Whether recover says nothing is left applied.
    public var nothingLeft: Bool { exitCode == 0 }

    /// Why recover did not settle the run, in words.
    public var explanation: String {
        let tail = output.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)
        switch exitCode {
        case 0?: return "gameday recover reverted everything"
        case 4?: return "gameday recover could not revert every fault (exit 4): \(tail)"
        case 5?: return "gameday recover skipped the run: another process holds its lock (exit 5)"
        case let code?: return "gameday recover exited \(code): \(tail)"
        case nil: return "gameday recover could not run: \(tail)"
        }
    }
}

/// The truth about a run's faults once it is over, from its journal (and `gameday recover` when the journal shows
/// something left applied or no `run.end`).
public struct RevertTruth: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// No journal: nothing was applied (a fault is journaled before it is applied).
        case noJournal
        /// The journal shows every applied fault reverted by the run itself.
        case revertedByRun
        /// The run left faults applied (it was killed, or its reverts gave up); `gameday recover` reverted them.
        case revertedByRecover
        /// Faults are still active: `gameday recover` could not revert them (or could not run).
        case stillActive
    }

    public var verdict: Verdict
    /// The run directory the journal was read from.
    public var runDir: String?
    /// `revertedByRecover`: the faults recover reverted; `stillActive`: the faults still active (journal ids).
    public var faults: [String]
    /// Whether the journal had `run.end` before the scheduler looked.
    public var runEnded: Bool
    /// What recover said, when it did not settle everything (or when it only closed the journal and failed).
    public var note: String?
    /// The reason the journal's `run.end` gives, if any ("preflight: not ready (…)", "guardrail tripped: …").
    public var endReason: String?

    public init(verdict: Verdict, runDir: String? = nil, faults: [String] = [], runEnded: Bool = true, note: String? = nil,
                endReason: String? = nil) {
        self.verdict = verdict; self.runDir = runDir; self.faults = faults; self.runEnded = runEnded; self.note = note
        self.endReason = endReason
    }

    /// One sentence for the decision's record.
    public var summary: String {
        let ids = faults.joined(separator: ", ")
        let how = runEnded ? "its reverts gave up" : "it stopped before it finished reverting: no run.end in its journal"
        switch verdict {
        case .noJournal:
            return "no journal: nothing was applied"
        case .revertedByRun:
            let closing = runEnded ? "" : "; the journal had no run.end" + (note.map { " and closing it failed: \($0)" } ?? ", gameday recover closed it")
            return "the journal shows every applied fault reverted by the run" + closing
        case .revertedByRecover:
            return "the run left \(ids) applied (\(how)); gameday recover reverted \(ids)"
        case .stillActive:
            let finish = runDir.map { "gameday recover \($0)" } ?? "gameday recover"
            let which = ids.isEmpty ? "the journal could not be read to the end" : ids
            return "FAULTS STILL ACTIVE: \(which) (\(how)); \(note ?? "gameday recover failed") — finish with `\(finish)` or by hand (see the postmortem)"
        }
    }
}

extension RunSettlement {
    /// `gameday recover RUN_DIR`, tried again (BackoffPolicy: from 200 ms doubling to 2 s, full jitter, until
    /// `lockWait`) while it answers that another process holds the run's lock.
    static func recover(runDir: String, launcher: any RunLaunching, lockWait: Duration, logger: Logger) async -> RecoverOutcome {
        let policy = BackoffPolicy.until(TimeSpan(lockWait), base: .milliseconds(200), cap: .seconds(2))
        let jitter = Jitter()
        let start = ContinuousClock.now
        var outcome = await launcher.recover(runDir: runDir)
        var attempt = 0
        while outcome.exitCode == 5, policy.shouldRetry(afterAttempt: attempt, elapsed: TimeSpan(ContinuousClock.now - start)) {
            let wait = jitter.wait(policy, attempt: attempt, elapsed: TimeSpan(ContinuousClock.now - start))
            logger.notice("another process holds the run's lock (the run still reverting, or another recover); trying again",
                          metadata: ["runDir": "\(runDir)", "try": "\(attempt + 1)", "wait": "\(wait)"])
            try? await Task.sleep(for: wait.duration)
            attempt += 1
            outcome = await launcher.recover(runDir: runDir)
        }
        return outcome
    }
}

/// Settles a run that is over (exited or killed): reads its journal, runs `gameday recover RUN_DIR` when the
/// journal has no `run.end` or shows faults still applied, and reads the journal again to say what is true.
public enum RunSettlement {
    ///
    /// - Parameter following: a follower that already read part of this run's journal (the daemon's gauge): only
    ///   the rest, the journal's tail, is read. Any other journal is read from its start.
    ///   - lockWait: how long to keep trying while recover answers that another process holds the run's lock (exit 5:
    ///     the run still reverting, or another replica's recover of it): tries again with backoff until the lock is
    ///     free or this much time has passed; zero (the default) takes the first answer.
    public static func settle(runDir: String?, following: JournalFollower? = nil, launcher: any RunLaunching,
                              lockWait: Duration = .zero, logger: Logger) async -> RevertTruth {
        guard let runDir else { return RevertTruth(verdict: .noJournal) }
        let fresh = JournalFollower(runDir: runDir)
        let journal = fresh.path
        var before = following.flatMap { $0.path == journal ? $0 : nil } ?? fresh
        before.readToEnd()
        guard before.exists else { return RevertTruth(verdict: .noJournal, runDir: runDir) }
        let open = before.openFaults.faults.map(\.faultID)
        let ended = before.runEnd != nil
        if ended && open.isEmpty { return RevertTruth(verdict: .revertedByRun, runDir: runDir, endReason: before.runEnd?.reason) }

        logger.warning("the run's journal shows it did not finish reverting; running gameday recover",
                       metadata: ["runDir": "\(runDir)", "open": "\(open.joined(separator: ","))", "runEnd": "\(ended)"])
        // Not cancellable: a daemon being torn down must not kill the recover that is reverting its run's faults.
        let outcome = await Task { await recover(runDir: runDir, launcher: launcher, lockWait: lockWait, logger: logger) }.value
        // Recover appended to the journal: read on from where `before` stopped.
        var after = before
        after.readToEnd()
        let left = after.openFaults.faults.map(\.faultID)
        if open.isEmpty {
            // Every applied fault was reverted by the run; recover only had to close the journal.
            return RevertTruth(verdict: .revertedByRun, runDir: runDir, runEnded: false,
                               note: outcome.nothingLeft ? nil : outcome.explanation)
        }
        if outcome.nothingLeft {
            if !left.isEmpty {
                logger.error("gameday recover reported nothing left applied, but the journal still shows faults open",
                             metadata: ["runDir": "\(runDir)", "open": "\(left.joined(separator: ","))"])
            }
            return RevertTruth(verdict: .revertedByRecover, runDir: runDir, faults: open, runEnded: ended)
        }
        logger.critical("FAULTS STILL ACTIVE after gameday recover", metadata: ["runDir": "\(runDir)", "faults": "\((left.isEmpty ? open : left).joined(separator: ","))",
                                                                              "recover": "\(outcome.explanation)"])
        return RevertTruth(verdict: .stillActive, runDir: runDir, faults: left.isEmpty ? open : left, runEnded: ended,
                           note: outcome.explanation)
    }
}
