import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayJournal

@Suite struct OpenFaultsTests {
    private func events(_ bodies: [EventBody]) -> [JournalEvent] {
        bodies.enumerated().map { JournalEvent(seq: $0 + 1, t: Int64($0) * 100, wall: 1000 + Int64($0) * 100, body: $1) }
    }

    private func begin(_ id: String, recipe: RevertRecipe = .command(CommandRevert(argv: ["undo", "x"]))) -> EventBody {
        .injectBegin(InjectBegin(faultID: id, step: "s\(id)", stepIndex: 0, fault: "command", target: "t\(id)",
                                 description: "fault \(id)", recipe: recipe))
    }

    /// Faults injected and never reverted are open, newest first; reverted ones are not.
    @Test func openFaultsNewestFirst() {
        let journal = events([
            .runStart(SampleEvents.runStart),
            begin("0.a"), .injectEnd(FaultOutcome(faultID: "0.a", ok: true)),
            begin("1.b"), .injectEnd(FaultOutcome(faultID: "1.b", ok: true)),
            begin("2.c"), .injectEnd(FaultOutcome(faultID: "2.c", ok: true)),
            .revertBegin(RevertBegin(faultID: "1.b", reason: .scheduled)), .revertEnd(FaultOutcome(faultID: "1.b", ok: true)),
        ])
        let open = OpenFaults(events: journal)
        #expect(open.faults.map(\.faultID) == ["2.c", "0.a"])
        #expect(!open.hasRunEnd)
        #expect(open.runID == "20261124-013726-demo")
        #expect(open.faults[0].recipe == .command(CommandRevert(argv: ["undo", "x"])))
        #expect(open.faults[0].manualInstructions == "undo x")
    }

    /// A revert that failed leaves the fault open with the error and the manual advice; a later success closes it.
    @Test func failedRevertStaysOpenUntilRetrySucceeds() {
        var bodies: [EventBody] = [
            begin("0.a"), .injectEnd(FaultOutcome(faultID: "0.a", ok: true)),
            .revertBegin(RevertBegin(faultID: "0.a", reason: .signal)),
            .revertEnd(FaultOutcome(faultID: "0.a", ok: false, error: "exit 1", manual: "ssh h 'undo x'")),
            .runEnd(RunEnd(status: .interrupted, stillActive: ["0.a"])),
        ]
        let open = OpenFaults(events: events(bodies))
        #expect(open.faults.count == 1)
        #expect(open.faults[0].lastRevertError == "exit 1")
        #expect(open.faults[0].manualInstructions == "ssh h 'undo x'")
        #expect(open.hasRunEnd)

        bodies += [.revertBegin(RevertBegin(faultID: "0.a", reason: .recover)), .revertEnd(FaultOutcome(faultID: "0.a", ok: true))]
        #expect(OpenFaults(events: events(bodies)).isEmpty)
    }

    /// A fault whose inject failed is still open (it may have half-applied); a `.nothing` recipe never is.
    @Test func failedInjectIsOpenButNothingRecipeIsNot() {
        let journal = events([
            begin("0.a"), .injectEnd(FaultOutcome(faultID: "0.a", ok: false, error: "timeout")),
            begin("1.b", recipe: .nothing(reason: "SIGKILL: the supervisor restarts it")),
            .injectEnd(FaultOutcome(faultID: "1.b", ok: true)),
            begin("2.c"),
        ])
        #expect(OpenFaults(events: journal).faults.map(\.faultID) == ["2.c", "0.a"])
    }

    /// An empty journal has nothing open and no run end.
    @Test func emptyJournal() {
        let open = OpenFaults(events: [])
        #expect(open.isEmpty && !open.hasRunEnd && open.runID == nil)
    }
}
