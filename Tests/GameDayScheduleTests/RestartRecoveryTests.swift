import Foundation
import GameDayCore
import Logging
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// Records `recover` calls and answers with a fixed exit code; runs are not expected here (recovery never starts
/// runs). It does not touch journals: what recover really does is tested with the real executable.
actor RecordingLauncher: RunLaunching {
    var recovered: [String] = []
    /// The exit code of each recover call in turn; the last one answers every later call.
    var recoverExits: [Int32]

    init(recoverSucceeds: Bool = true) { recoverExits = [recoverSucceeds ? 0 : 4] }
    init(recoverExit: Int32) { recoverExits = [recoverExit] }
    init(recoverExits: [Int32]) { self.recoverExits = recoverExits }

    nonisolated func run(_ request: RunRequest, onSpawn: @escaping @Sendable (Int32) async -> Void) async -> RunResult {
        RunResult(spawnError: "recovery must not start runs")
    }

    func recover(runDir: String) async -> RecoverOutcome {
        recovered.append(runDir)
        let recoverExit = recoverExits.count > 1 ? recoverExits.removeFirst() : recoverExits[0]
        return RecoverOutcome(exitCode: recoverExit, output: recoverExit == 0 ? "nothing left applied" : "ssh: connection refused")
    }
}

/// Simulates a daemon killed at each point of a run's life (the state machine and a real SQLite file), then
/// restarted: the restarted daemon resolves the decision and never starts it again.
@Suite struct RestartRecoveryTests {
    let now = Fixture.utc("2027-03-15T09:00:00Z")
    let id = "2027-03-15/web"

    /// Sets up a store with one planned decision and returns it with the decision's runs folder.
    func setUp(_ folder: URL) throws -> (ScheduleStore, String) {
        let store = try ScheduleStore(path: folder.appendingPathComponent("state.sqlite").path)
        try store.savePlan(Fixture.dayPlan(), now: now)
        return (store, folder.appendingPathComponent("runs/2027-03-15/web").path)
    }

    /// Restarts: a new store on the same file, recovery, then a tick at the start time.
    func restart(_ folder: URL, launcher: RecordingLauncher) async throws -> (ScheduleStore, SchedulerStateMachine.Action) {
        let store = try ScheduleStore(path: folder.appendingPathComponent("state.sqlite").path)
        try await RestartRecovery(store: store, launcher: launcher, abortGrace: .seconds(5), logger: Logger(label: "test"))
            .resolveAll(now: { [now] in now })
        var machine = SchedulerStateMachine()
        let records = try store.decisions(day: Fixture.day("2027-03-15"))
        let action = machine.tick(now: records[0].startAt, decisions: records.map(\.snapshot), gates: .init())
        return (store, action)
    }

    /// Killed after planning, before the start: nothing to resolve, and the decision starts normally, once.
    @Test func killedWhilePlanned() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        _ = try setUp(folder)
        let launcher = RecordingLauncher()
        let (store, action) = try await restart(folder, launcher: launcher)
        #expect(action == .checkOutage(id: id))
        #expect(await launcher.recovered.isEmpty)
        #expect(try store.markStarting(id: id, runsDir: "/r", now: now))
        #expect(try !store.markStarting(id: id, runsDir: "/r", now: now))
    }

    /// Killed after recording `starting`, before the run wrote its journal: interrupted; nothing was applied (a
    /// fault is journaled first), so there is nothing to recover.
    @Test func killedWhileStarting() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        try FileManager.default.createDirectory(atPath: runsDir, withIntermediateDirectories: true)
        let launcher = RecordingLauncher()
        let (after, action) = try await restart(folder, launcher: launcher)
        #expect(action == .wait(until: nil))
        let record = try #require(try after.decision(id: id))
        #expect(record.status == .interrupted)
        #expect(record.detail?.contains("nothing was applied") == true)
        #expect(await launcher.recovered.isEmpty)
    }

    /// Killed while the run was going (journal without run.end): interrupted and handed to `gameday recover`.
    @Test func killedWhileRunning() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        // A pid that cannot be ours (pid 1 is never signalled).
        try store.markRunning(id: id, pid: 1, now: now)
        let runDir = try Fixture.writeJournal(runsDir: runsDir, bodies: [
            .phase(PhaseChange(phase: .chaos)),
            Fixture.injectBegin("0.web-1"),
        ])
        let launcher = RecordingLauncher()
        let (after, action) = try await restart(folder, launcher: launcher)
        #expect(action == .wait(until: nil))
        let record = try #require(try after.decision(id: id))
        #expect(record.status == .interrupted)
        #expect(record.runDir == runDir)
        #expect(record.detail?.contains("gameday recover reverted 0.web-1") == true, "\(record.detail ?? "-")")
        #expect(await launcher.recovered == [runDir])
    }

    /// Killed after the run ended but before its outcome was recorded: the journal's run.end is the outcome.
    @Test func killedAfterRunEnded() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        try store.markRunning(id: id, pid: 1, now: now)
        _ = try Fixture.writeJournal(runsDir: runsDir, bodies: [
            Fixture.injectBegin("0.web-1"), .revertEnd(FaultOutcome(faultID: "0.web-1", ok: true)),
            .runEnd(RunEnd(status: .completed)),
        ])
        let launcher = RecordingLauncher()
        let (after, action) = try await restart(folder, launcher: launcher)
        #expect(action == .wait(until: nil))
        #expect(try after.decision(id: id)?.status == .completed)
        #expect(await launcher.recovered.isEmpty)
    }

    /// Killed after the outcome was recorded: nothing changes and nothing starts.
    @Test func killedAfterRecording() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        try store.markFinished(id: id, status: .violated, detail: "x", exitCode: 1, runDir: nil, now: now)
        let launcher = RecordingLauncher()
        let (after, action) = try await restart(folder, launcher: launcher)
        #expect(action == .wait(until: nil))
        #expect(try after.decision(id: id)?.status == .violated)
        #expect(await launcher.recovered.isEmpty)
    }

    /// A recover that fails (exit 4), or is skipped because the run stays locked past the grace (exit 5), leaves the decision
    /// revert-failed, naming the faults still active and the command to finish with.
    @Test(arguments: [Int32(4), 5]) func failedRecoverIsLoud(exit: Int32) async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        let runDir = try Fixture.writeJournal(runsDir: runsDir, bodies: [.phase(PhaseChange(phase: .chaos)), Fixture.injectBegin("0.web-1")])
        let (after, _) = try await restart(folder, launcher: RecordingLauncher(recoverExit: exit))
        let record = try #require(try after.decision(id: id))
        #expect(record.status == .revertFailed)
        #expect(record.detail?.contains("FAULTS STILL ACTIVE: 0.web-1") == true, "\(record.detail ?? "-")")
        #expect(record.detail?.contains("gameday recover \(runDir)") == true)
        #expect(record.detail?.contains("exit \(exit)") == true)
    }

    /// A recover skipped because another process holds the run's lock (exit 5: the run still reverting, or the
    /// previous leader's own recover) is tried again once the lock is free (within the grace), and what recover then
    /// did is recorded — not "faults still active". On the original code the first exit 5 was recorded as revert-failed.
    @Test func lockedRunIsRecoveredOnceTheLockIsFree() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        let runDir = try Fixture.writeJournal(runsDir: runsDir, bodies: [.phase(PhaseChange(phase: .chaos)), Fixture.injectBegin("0.web-1")])
        let launcher = RecordingLauncher(recoverExits: [5, 5, 0])
        let (after, _) = try await restart(folder, launcher: launcher)
        let record = try #require(try after.decision(id: id))
        #expect(record.status != .revertFailed, "\(record.detail ?? "-")")
        #expect(record.detail?.contains("gameday recover reverted 0.web-1") == true, "\(record.detail ?? "-")")
        #expect(await launcher.recovered == [runDir, runDir, runDir])
    }

    /// A journal with no run.end whose faults were all reverted by the run: recover only closes the journal, and
    /// the record says the run reverted them.
    @Test func unfinishedJournalWithNothingOpen() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        let runDir = try Fixture.writeJournal(runsDir: runsDir, bodies: [
            Fixture.injectBegin("0.web-1"), .revertEnd(FaultOutcome(faultID: "0.web-1", ok: true)),
        ])
        let launcher = RecordingLauncher()
        let (after, _) = try await restart(folder, launcher: launcher)
        let record = try #require(try after.decision(id: id))
        #expect(record.status == .interrupted)
        #expect(record.detail?.contains("every applied fault reverted by the run") == true, "\(record.detail ?? "-")")
        #expect(await launcher.recovered == [runDir])
    }

    /// A run from before the restart that is still alive is sent SIGTERM (and only a process working on this
    /// decision's folder is), before the journal is read.
    @Test func stopsAnOrphanedRun() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (store, runsDir) = try setUp(folder)
        #expect(try store.markStarting(id: id, runsDir: runsDir, now: now))
        // Stands in for an orphaned `gameday run ... --runs-dir DIR`: exits on SIGTERM.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", "trap 'exit 0' TERM; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done", "run", runsDir]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        try store.markRunning(id: id, pid: child.processIdentifier, now: now)
        #expect(RestartRecovery.isOurRun(pid: child.processIdentifier, runsDir: runsDir))
        #expect(!RestartRecovery.isOurRun(pid: child.processIdentifier, runsDir: runsDir + "-other"))
        let (after, _) = try await restart(folder, launcher: RecordingLauncher())
        child.waitUntilExit()
        #expect(child.terminationReason == .exit && child.terminationStatus == 0)
        #expect(try after.decision(id: id)?.status == .interrupted)
    }
}
