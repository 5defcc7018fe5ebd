import Foundation
import GameDayCore
import Logging
import Testing
@testable import GameDaySchedule

/// How a run that is over is settled from its journal; `gameday recover` is a recording stand-in here (the real
/// executable is exercised by AbortRecoveryTests and SchedulerServiceTests).
@Suite struct RunSettlementTests {
    let logger = Logger(label: "test")

    /// A journal with run.end and nothing open: the run reverted everything; recover is not run.
    @Test func cleanRunNeedsNoRecover() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [
            Fixture.injectBegin("0.web-1"), .revertEnd(FaultOutcome(faultID: "0.web-1", ok: true)), .runEnd(RunEnd(status: .interrupted)),
        ])
        let launcher = RecordingLauncher()
        let truth = await RunSettlement.settle(runDir: runDir, launcher: launcher, logger: logger)
        #expect(truth.verdict == .revertedByRun)
        #expect(await launcher.recovered.isEmpty)
    }

    /// No run directory, or one without a journal: nothing was applied.
    @Test func noJournal() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let launcher = RecordingLauncher()
        #expect(await RunSettlement.settle(runDir: nil, launcher: launcher, logger: logger).verdict == .noJournal)
        #expect(await RunSettlement.settle(runDir: folder.path, launcher: launcher, logger: logger).verdict == .noJournal)
        #expect(await launcher.recovered.isEmpty)
    }

    /// run.end present but a revert gave up: recover runs, and its answer decides (0 reverted, 4 and 5 still active).
    @Test(arguments: [(Int32(0), RevertTruth.Verdict.revertedByRecover), (4, .stillActive), (5, .stillActive)])
    func gaveUpRevertIsRecovered(exit: Int32, verdict: RevertTruth.Verdict) async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [
            Fixture.injectBegin("0.web-1"), Fixture.injectBegin("1.db-1", target: "db-1"),
            .revertEnd(FaultOutcome(faultID: "1.db-1", ok: false, error: "gave up")),
            .revertEnd(FaultOutcome(faultID: "0.web-1", ok: true)),
            .runEnd(RunEnd(status: .interrupted, stillActive: ["1.db-1"])),
        ])
        let launcher = RecordingLauncher(recoverExit: exit)
        let truth = await RunSettlement.settle(runDir: runDir, launcher: launcher, logger: logger)
        #expect(truth.verdict == verdict)
        #expect(truth.faults == ["1.db-1"])
        #expect(truth.summary.contains("its reverts gave up"))
        if exit == 5 { #expect(truth.summary.contains("holds its lock")) }
        #expect(await launcher.recovered == [runDir])
    }

    /// A follower that already read the head of the journal (the daemon's gauge) is continued: what was appended
    /// after its last look, the tail, decides.
    @Test func continuesTheGaugeFollower() async throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [Fixture.injectBegin("0.web-1")])
        var follower = JournalFollower(runDir: runDir)
        follower.advance()
        #expect(follower.openFaults.faults.count == 1)
        let handle = try #require(FileHandle(forWritingAtPath: runDir + "/journal.jsonl"))
        handle.seekToEndOfFile()
        for (seq, body) in [(2, EventBody.revertEnd(FaultOutcome(faultID: "0.web-1", ok: true))), (3, .runEnd(RunEnd(status: .completed)))] {
            handle.write(try JSONEncoder().encode(JournalEvent(seq: seq, t: 0, wall: 0, body: body)) + Data([UInt8(ascii: "\n")]))
        }
        try handle.close()
        let launcher = RecordingLauncher()
        let truth = await RunSettlement.settle(runDir: runDir, following: follower, launcher: launcher, logger: logger)
        #expect(truth.verdict == .revertedByRun)
        #expect(await launcher.recovered.isEmpty)
    }
}
