import Foundation
import GameDayCore
import Logging

/// Settles decisions a previous daemon left `starting` or `running` (it was killed, or the machine went down), so
/// that a restarted daemon never starts them again and never leaves their faults behind.
///
/// For each: if the run it spawned is still alive (its pid, checked to be a `gameday run` for this decision's runs
/// folder), it is sent SIGTERM and given the grace to revert and exit. Then the journal decides
/// (`SchedulerStateMachine.resolveAfterRestart`); a run that did not finish is handed to `gameday recover`.
public struct RestartRecovery: Sendable {
    public var store: ScheduleStore
    public var launcher: any RunLaunching
    public var abortGrace: Duration
    public var logger: Logger

    public init(store: ScheduleStore, launcher: any RunLaunching, abortGrace: Duration, logger: Logger) {
        self.store = store; self.launcher = launcher; self.abortGrace = abortGrace; self.logger = logger
    }

    /// Resolves every unresolved decision; returns how each was recorded.
    @discardableResult
    public func resolveAll(now: @Sendable () -> Date) async throws -> [(id: String, resolution: RestartResolution)] {
        var out: [(String, RestartResolution)] = []
        for record in try store.unresolved() {
            if let pid = record.pid, let runsDir = record.runsDir, Self.isOurRun(pid: pid, runsDir: runsDir) {
                logger.warning("a run from before the restart is still going; stopping it (it reverts)",
                               metadata: ["decision": "\(record.id)", "pid": "\(pid)"])
                await Self.terminate(pid: pid, grace: abortGrace)
            }
            let runsDir = record.runsDir ?? ""
            let (journal, runDir) = runsDir.isEmpty ? (JournalState.noRun, nil) : JournalInspector.state(ofRunsDir: runsDir)
            var resolution = SchedulerStateMachine.resolveAfterRestart(journal: journal)
            if resolution.recover, !runsDir.isEmpty, FileManager.default.fileExists(atPath: runsDir) {
                let (ok, output) = await launcher.recover(runsDir: runsDir)
                if ok {
                    resolution.detail += "; recover: done"
                } else {
                    resolution.status = .revertFailed
                    resolution.detail += "; recover FAILED: \(output.prefix(500)) — run `gameday recover --runs-dir \(runsDir)` by hand"
                    logger.error("recover failed for an interrupted run", metadata: ["decision": "\(record.id)", "runsDir": "\(runsDir)"])
                }
            }
            try store.markFinished(id: record.id, status: resolution.status, reason: "restart", detail: resolution.detail,
                                   exitCode: nil, runDir: runDir, now: now())
            logger.notice("resolved a decision left unfinished by a previous daemon",
                          metadata: ["decision": "\(record.id)", "status": "\(resolution.status.rawValue)"])
            out.append((record.id, resolution))
        }
        return out
    }

    /// Whether `pid` is alive and is a gameday process working on this runs folder (so we only ever signal a
    /// process we started).
    static func isOurRun(pid: Int32, runsDir: String) -> Bool {
        guard pid > 1, kill(pid, 0) == 0,
              let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        let argv = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return argv.contains("run") && argv.contains(runsDir)
    }

    /// SIGTERM, wait up to `grace` (polling, bounded), then SIGKILL.
    static func terminate(pid: Int32, grace: Duration) async {
        _ = kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline {
            if kill(pid, 0) != 0 { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
        _ = kill(pid, SIGKILL)
    }
}
