import GameDayCore
import GameDayFaults
import Testing

/// The one definition of an open fault (`FaultLedger`, in GameDayCore), which `OpenFaults` (recover, the scheduler)
/// and the postmortem's fault rows are views of.
@Suite struct FaultLedgerTests {
    private func events(_ bodies: [EventBody]) -> [JournalEvent] {
        bodies.enumerated().map { JournalEvent(seq: $0 + 1, t: Int64($0) * 100, wall: 1000 + Int64($0) * 100, body: $1) }
    }

    private func begin(_ id: String, recipe: RevertRecipe = .command(CommandRevert(argv: ["undo", "x"]))) -> EventBody {
        .injectBegin(InjectBegin(faultID: id, step: "s\(id)", stepIndex: 0, fault: "command", target: "t\(id)",
                                 description: "fault \(id)", recipe: recipe))
    }

    /// Each entry carries its inject.begin (as members), when it began, and what happened to it since.
    @Test func entryFollowsTheFaultsLife() throws {
        let ledger = FaultLedger(events: events([
            .runStart(SampleEvents.runStart),
            begin("0.a"), .injectEnd(FaultOutcome(faultID: "0.a", ok: true, detail: "applied")),
            .revertBegin(RevertBegin(faultID: "0.a", reason: .guardrail, attempt: 1)),
            .revertEnd(FaultOutcome(faultID: "0.a", ok: false, error: "exit 1")),
            .revertBegin(RevertBegin(faultID: "0.a", reason: .guardrail, attempt: 2)),
            .revertEnd(FaultOutcome(faultID: "0.a", ok: true, detail: "done")),
            .runEnd(RunEnd(status: .aborted)),
        ]))
        let entry = try #require(ledger["0.a"])
        #expect(entry.faultID == "0.a" && entry.target == "t0.a" && entry.fault == "command")
        #expect(entry.beginSeq == 2 && entry.beginT == 100 && entry.beginWall == 1100)
        #expect(entry.injectedT == 200 && entry.injectDetail == "applied" && entry.injectError == nil)
        #expect(entry.revertReason == .guardrail && entry.revertAttempts == 2)
        #expect(entry.status == .ok && entry.revertedT == 600 && entry.revertDetail == "done")
        #expect(entry.revertError == nil && entry.manualInstructions == nil && !entry.isOpen)
        #expect(ledger.open.isEmpty && ledger.hasRunEnd && ledger.runEnd?.status == .aborted)
        #expect(ledger.runID == "20261124-013726-demo")
    }

    /// Open means no successful revert.end: a failed inject counts (it may have half-applied), a `.nothing`
    /// recipe never does, and the advice of the last failed revert that gave one stays until a revert succeeds.
    @Test func openFaultsAndTheirAdvice() {
        let ledger = FaultLedger(events: events([
            begin("0.a"), .injectEnd(FaultOutcome(faultID: "0.a", ok: false, error: "timeout")),
            begin("1.b", recipe: .nothing(reason: "SIGKILL")),
            .revertEnd(FaultOutcome(faultID: "1.b", ok: false, error: "odd")),
            begin("2.c"),
            .revertEnd(FaultOutcome(faultID: "2.c", ok: false, error: "gave up", manual: "ssh h 'undo x'")),
            .revertEnd(FaultOutcome(faultID: "2.c", ok: false, error: "attempt 1 failed, retrying")),
        ]))
        #expect(ledger.open.map(\.faultID) == ["2.c", "0.a"])
        #expect(ledger["1.b"]?.status == .notNeeded)
        #expect(ledger["0.a"]?.status == .stillActive && ledger["0.a"]?.isApplied == false)
        #expect(ledger["2.c"]?.status == .failed && ledger["2.c"]?.revertError == "attempt 1 failed, retrying")
        #expect(ledger["2.c"]?.manualInstructions == "ssh h 'undo x'")
        #expect(ledger["0.a"]?.manualInstructions == "undo x")
    }

    /// Applying events one at a time (the scheduler's follower) gives the same ledger as reading them all; a
    /// repeated inject.begin replaces the fault's entry.
    @Test func incrementalEqualsBatchAndRepeatedBeginReplaces() {
        let journal = events([
            begin("0.a"), .revertEnd(FaultOutcome(faultID: "0.a", ok: true)),
            begin("0.a", recipe: .command(CommandRevert(argv: ["undo", "again"]))), begin("1.b"),
            .revertEnd(FaultOutcome(faultID: "1.b", ok: true)),
        ])
        var incremental = FaultLedger()
        for event in journal { incremental.apply(event) }
        let batch = FaultLedger(events: journal)
        #expect(incremental == batch)
        #expect(batch.entries.map(\.faultID) == ["0.a", "1.b"])
        #expect(batch.open.map(\.faultID) == ["0.a"])
        #expect(batch.open.first?.manualInstructions == "undo again")
    }
}
