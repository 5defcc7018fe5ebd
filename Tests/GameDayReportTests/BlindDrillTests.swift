import GameDayCore
import Testing
@testable import GameDayReport

struct BlindDrillTests {
    private func event(_ seq: Int, _ t: Int64, _ body: EventBody) -> JournalEvent { JournalEvent(seq: seq, t: t, wall: 1000 + t, body: body) }

    /// Time to diagnose runs from the inject to the first diagnosis marked correct; other guesses are wrong turns;
    /// a step with no correct diagnosis made after its inject is "not diagnosed".
    @Test func timeToDiagnoseAndWrongTurns() {
        let recipe = RevertRecipe.signal(SignalRevert(processes: []))
        var start = Scenarios.held.first.flatMap { if case .runStart(let s) = $0.body { s } else { nil } }!
        start.blind = true
        let events = [
            event(1, 0, .runStart(start)),
            event(2, 5000, .injectBegin(InjectBegin(faultID: "0.web-2", step: "lose-web", stepIndex: 0, fault: "node-loss", target: "web-2", description: "", recipe: recipe))),
            event(3, 5010, .injectEnd(FaultOutcome(faultID: "0.web-2", ok: true))),
            event(4, 20000, .mark(OperatorMark(kind: .diagnosis, text: "the database is slow", by: "Ana", role: "participant"))),
            event(5, 31000, .mark(OperatorMark(kind: .diagnosis, text: "web-2 is down", by: "Bo", role: "participant"))),
            event(6, 33000, .mark(OperatorMark(kind: .correct, text: "web-2 is down", by: "Fay", role: "facilitator", ref: 5))),
            event(7, 40000, .injectBegin(InjectBegin(faultID: "1.db", step: "slow-db", stepIndex: 1, fault: "latency", target: "db", description: "", recipe: recipe))),
            event(8, 40005, .injectEnd(FaultOutcome(faultID: "1.db", ok: true))),
            event(9, 50000, .mark(OperatorMark(kind: .correct, by: "Fay", role: "facilitator", ref: 5))),
            event(10, 60000, .runEnd(RunEnd(status: .completed))),
        ]
        let drill = BlindDrill(events: events)
        #expect(drill.steps.map(\.step) == ["lose-web", "slow-db"])
        #expect(drill.steps[0].timeToDiagnose == Int64(25_990))
        #expect(drill.steps[0].first?.by == "Bo")
        #expect(drill.steps[1].first == nil, "a guess made before the step was injected cannot diagnose it")
        #expect(drill.wrongTurns.map(\.seq) == [4])
        let markdown = Postmortem.render(events)
        #expect(markdown.contains("## Blind drill: time to diagnose"))
        #expect(markdown.contains("| lose-web | T+00:05.010 | T+00:31.000 | 00:25.990 | Bo | web-2 is down |"), "\(markdown)")
        #expect(markdown.contains("| slow-db | T+00:40.005 | — | not diagnosed | — | — |"))
    }

    /// Guesses never marked correct are listed as wrong turns, with who made them.
    @Test func wrongTurnsListed() {
        let events = [
            event(1, 0, .mark(OperatorMark(kind: .diagnosis, text: "DNS", by: "Ana", role: "participant"))),
            event(2, 10, .mark(OperatorMark(kind: .diagnosis, text: "disk full | maybe", by: "Bo", role: "participant"))),
        ]
        let drill = BlindDrill(events: events)
        #expect(drill.wrongTurns.map(\.text) == ["DNS", "disk full | maybe"])
        let markdown = Postmortem.render(events)
        #expect(markdown.contains("Wrong turns (2):"))
        #expect(markdown.contains("- T+00:00.010 Bo: disk full \\| maybe"))
    }

    /// A run that is not blind and has no diagnoses gets no such section (the goldens stay as they were).
    @Test func noSectionOtherwise() {
        #expect(!Postmortem.render(Scenarios.operatorMarks).contains("Blind drill"))
    }
}
