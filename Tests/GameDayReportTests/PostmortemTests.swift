import Foundation
import GameDayCore
import Testing
@testable import GameDayReport

@Suite struct PostmortemTests {
    /// Compares a rendering with `Golden/<name>.md`; with GAMEDAY_UPDATE_GOLDEN=1 rewrites the file instead.
    private func checkGolden(_ name: String, _ rendered: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try GoldenFile.check(name, extension: "md", rendered, sourceLocation: sourceLocation)
    }

    /// A run where the hypothesis held renders as the golden says.
    @Test func heldRun() throws {
        try checkGolden("held", Postmortem.render(Scenarios.held))
    }

    /// A violated hypothesis: the failing phase, criteria and a follow-up item per violation.
    @Test func violatedRun() throws {
        try checkGolden("violated", Postmortem.render(Scenarios.violated))
    }

    /// A guardrail abort: the trip, the guardrail-reason revert, the step that never ran.
    @Test func guardrailAbortedRun() throws {
        try checkGolden("guardrail-aborted", Postmortem.render(Scenarios.guardrailAborted))
    }

    /// A revert that gave up: the FAULT STILL ACTIVE banner with the exact command to finish by hand.
    @Test func revertFailedRun() throws {
        try checkGolden("revert-failed", Postmortem.render(Scenarios.revertFailed))
    }

    /// A journal cut short by a crash: INCOMPLETE, the banner from the recipe, and the torn-line note.
    @Test func incompleteTornRun() throws {
        try checkGolden("incomplete-torn", Postmortem.render(Scenarios.incompleteTorn, integrity: JournalIntegrity(tornTail: true)))
    }

    /// Operator marks beside the probes' detection, and a fault only the operator noticed.
    @Test func operatorMarksRun() throws {
        try checkGolden("operator-marks", Postmortem.render(Scenarios.operatorMarks))
    }

    /// A random step (the pick and its choices shown) interrupted by SIGINT.
    @Test func randomStepInterruptedRun() throws {
        try checkGolden("random-interrupted", Postmortem.render(Scenarios.randomInterrupted))
    }

    /// A dry run says so in the header and the summary.
    @Test func dryRun() throws {
        let text = Postmortem.render(Scenarios.dryRun)
        try checkGolden("dry-run", text)
        #expect(text.contains("| Dry run | yes (no fault was applied) |"))
    }

    /// The same events always render to the same bytes.
    @Test func renderingIsDeterministic() {
        for events in [Scenarios.held, Scenarios.operatorMarks, Scenarios.revertFailed] {
            #expect(Postmortem.render(events) == Postmortem.render(events))
        }
    }

    /// An empty journal renders something readable rather than crashing.
    @Test func emptyJournalRenders() {
        let text = Postmortem.render([])
        #expect(text.contains("## Verdict: INCOMPLETE"))
        #expect(text.contains("the journal has no `run.start`"))
    }

    /// Table cells escape `|` and newlines from journal text, so a hostile error message cannot break the table.
    @Test func tableCellsAreEscaped() {
        let text = Postmortem.render(Scenarios.operatorMarks)
        #expect(text.contains("balancer \\| dropped web-3"))
        for line in text.split(separator: "\n") where line.hasPrefix("| T+") {
            #expect(line.hasSuffix("|"))
        }
    }
}
