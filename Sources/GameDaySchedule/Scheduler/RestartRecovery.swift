import Foundation
import GameDayCore
import GameDayJournal
import Logging
import GameDayCalendar

/// Settles decisions a previous daemon left `starting` or `running` (it was killed, or the machine went down), so
/// that a restarted daemon never starts them again and never leaves their faults behind.
///
/// For each: if the run it spawned is still alive (its pid, checked to be a `gameday run` for this decision's runs
/// folder), it is sent SIGTERM and given the grace to revert and exit. Then the journal decides
/// (`SchedulerStateMachine.resolveAfterRestart`); a run that did not finish is handed to `gameday recover`.
public struct RestartRecovery: Sendable {
    public var store: any ScheduleStoring
    public var launcher: any RunLaunching
    public var abortGrace: Duration
    public var logger: Logger

    public init(store: any ScheduleStoring, launcher: any RunLaunching, abortGrace: Duration, logger: Logger) {
        self.store = store; self.launcher = launcher; self.abortGrace = abortGrace; self.logger = logger
    }

    /// Resolves every unresolved decision; returns how each was recorded.
    @discardableResult
    public func resolveAll(now: @Sendable () -> Date) async throws -> [(id: String, resolution: RestartResolution)] {
        var out: [(String, RestartResolution)] = []
        for record in try await store.unresolved() {
            if let pid = record.pid, let runsDir = record.runsDir, Self.isOurRun(pid: pid, runsDir: runsDir) {
                logger.warning("a run from before the restart is still going; stopping it (it reverts)",
                               metadata: ["decision": "\(record.id)", "pid": "\(pid)"])
                await Self.terminate(pid: pid, grace: abortGrace)
            }
            let runDir = record.runsDir.flatMap { JournalInspector.runDirectories(in: $0).last }
            if runDir == nil, let resolution = try await resolveFromMirror(record) {
                out.append((record.id, resolution))
                continue
            }
            let journal = runDir.map { JournalInspector.state(ofJournal: URL(fileURLWithPath: $0).appendingPathComponent("journal.jsonl").path) } ?? .noRun
            var resolution = SchedulerStateMachine.resolveAfterRestart(journal: journal)
            if resolution.recover, runDir != nil {
                // The same settlement as after a run the daemon saw end: recover when the journal shows faults
                // open or no run.end, then record what is true.
                // The lock may still be held by the run (reverting after its SIGTERM) or by the previous leader's own
                // recover of it: wait for it up to the grace rather than record a recover that never ran.
                let truth = await RunSettlement.settle(runDir: runDir, launcher: launcher, lockWait: abortGrace, logger: logger)
                resolution.detail += "; " + truth.summary
                if truth.verdict == .stillActive { resolution.status = .revertFailed }
            }
            try await store.markFinished(id: record.id, status: resolution.status, reason: "restart", detail: resolution.detail,
                                   exitCode: nil, runDir: runDir, now: now())
            logger.notice("resolved a decision left unfinished by a previous daemon",
                          metadata: ["decision": "\(record.id)", "status": "\(resolution.status.rawValue)"])
            out.append((record.id, resolution))
        }
        return out
    }

    /// A run whose directory is out of reach (on the dead leader's machine) but whose journal was mirrored into a
    /// PostgreSQL store: the mirror decides, and `gameday recover --store` reverts what it shows open (under this
    /// leader's token) and closes it. Nil when there is no mirror to read (then the run directory rules apply).
    func resolveFromMirror(_ record: DecisionRecord) async throws -> RestartResolution? {
        guard let postgres = store as? PostgresScheduleStore, let mirror = postgres.journalMirror(decisionID: record.id) else { return nil }
        let before = FaultLedger(events: try await postgres.mirroredJournal(decisionID: record.id).events)
        guard before.runID != nil else { return nil }
        let state: JournalState = before.runEnd.map { .finished(status: $0.status.rawValue, stillActive: before.open.map(\.faultID)) } ?? .unfinished
        var resolution = SchedulerStateMachine.resolveAfterRestart(journal: state)
        resolution.detail += " (read from the journal mirrored into the store: the run directory is out of reach)"
        if resolution.recover {
            logger.warning("the mirrored journal shows the run did not finish reverting; running gameday recover --store",
                           metadata: ["decision": "\(record.id)", "open": "\(before.open.map(\.faultID).joined(separator: ","))"])
            // Not cancellable: a daemon being torn down must not kill the recover that is reverting the run's faults.
            let launcher = self.launcher
            let outcome = await Task { await launcher.recover(mirror: mirror) }.value
            let after = FaultLedger(events: try await postgres.mirroredJournal(decisionID: record.id).events)
            let open = before.open.map(\.faultID).joined(separator: ", ")
            if outcome.nothingLeft {
                resolution.detail += before.open.isEmpty ? "; gameday recover closed its journal" : "; gameday recover reverted \(open) from the mirrored journal"
            } else {
                resolution.status = .revertFailed
                let left = after.open.map(\.faultID).joined(separator: ", ")
                resolution.detail += "; FAULTS STILL ACTIVE: \(left.isEmpty ? open : left): \(outcome.explanation)"
            }
        }
        try await store.markFinished(id: record.id, status: resolution.status, reason: "restart", detail: resolution.detail,
                                     exitCode: nil, runDir: nil, now: Date())
        logger.notice("resolved a decision left unfinished by a previous leader, from its mirrored journal",
                      metadata: ["decision": "\(record.id)", "status": "\(resolution.status.rawValue)"])
        return resolution
    }

    /// Whether `pid` is alive and is a gameday process working on this runs folder (so we only ever signal a
    /// process we started).
    static func isOurRun(pid: Int32, runsDir: String) -> Bool {
        guard pid > 1, kill(pid, 0) == 0,
              let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return argv.contains("run") && argv.contains(runsDir)
    }

    /// SIGTERM, wait up to `grace` (polling, bounded), then SIGKILL to the run's process group (the daemon started
    /// it as the leader of its own group, so a revert command hanging under it dies too), and to the pid.
    static func terminate(pid: Int32, grace: Duration) async {
        _ = kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline {
            if kill(pid, 0) != 0 { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        if getpgid(pid) == pid { _ = kill(-pid, SIGKILL) }
        _ = kill(pid, SIGKILL)
        // Bounded: a SIGKILLed process is gone within moments; its journal is read next.
        for _ in 0..<50 where kill(pid, 0) == 0 { try? await Task.sleep(for: .milliseconds(100)) }
    }
}
