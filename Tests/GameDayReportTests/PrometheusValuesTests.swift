import GameDayCore
import Testing
@testable import GameDayReport

/// valueBelow / valueAbove hypotheses and the `## Prometheus values` section, from a scripted journal.
struct PrometheusValuesTests {
    private let ratio = HealthCheckSpec(name: "error-ratio", kind: .prometheus(PrometheusCheck(url: "http://127.0.0.1:9090",
                                                                                                query: "q", healthyBelow: 0.2)))

    private func journal(chaosValue: Double, hypothesis: HypothesisSpec) -> [JournalEvent] {
        var script = RunScript()
        script.add(0, Fixture.runStart(name: "prom", steps: [], checks: [ratio], hypothesis: [hypothesis], guardrails: []))
        script.add(0, .phase(PhaseChange(phase: .baseline)))
        script.add(10_000, .phase(PhaseChange(phase: .chaos)))
        script.add(20_000, .phase(PhaseChange(phase: .recovery)))
        for t in stride(from: Int64(1000), to: 30_000, by: 1000) {
            let value = (10_000..<20_000).contains(t) ? chaosValue : 0.01
            let problem: String? = value < 0.2 ? nil : "value \(value) is not below 0.2"
            script.add(t, .probe(ProbeSample(check: "error-ratio", ok: problem == nil, ms: 3, status: 200, error: problem, value: value)))
        }
        script.add(30_000, .runEnd(RunEnd(status: .completed)))
        return script.events
    }

    /// A value above valueBelow in the chaos phase fails that phase with the maximum; the other phases pass.
    @Test func valueBelowJudgesEveryValueOfThePhase() {
        let a = RunAnalysis(events: journal(chaosValue: 0.5, hypothesis: HypothesisSpec(check: "error-ratio", valueBelow: 0.1)))
        let chaos = a.checkStats.first { $0.phase == .chaos }
        #expect(chaos?.judgement == .failed(reasons: ["max value 0.5 ≥ 0.1"]), "\(String(describing: chaos))")
        #expect(chaos?.minValue == 0.5 && chaos?.maxValue == 0.5)
        #expect(a.checkStats.filter { $0.phase != .chaos }.allSatisfy { $0.judgement == .passed })
        #expect(a.verdict == .violated)
        let held = RunAnalysis(events: journal(chaosValue: 0.05, hypothesis: HypothesisSpec(check: "error-ratio", valueBelow: 0.1)))
        #expect(held.verdict == .held)
        let above = RunAnalysis(events: journal(chaosValue: 0.001, hypothesis: HypothesisSpec(check: "error-ratio", valueAbove: 0.005)))
        #expect(above.checkStats.first { $0.phase == .chaos }?.judgement == .failed(reasons: ["min value 0.001 ≤ 0.005"]))
    }

    /// The postmortem shows the bound as a target and a values table for Prometheus checks only.
    @Test func postmortemShowsValues() {
        let text = Postmortem.render(journal(chaosValue: 0.5, hypothesis: HypothesisSpec(check: "error-ratio", valueBelow: 0.1)))
        #expect(text.contains("| error-ratio | chaos | 10 (10 failed) | 0% |"), "\(text)")
        #expect(text.contains("value < 0.1 | **FAIL**: max value 0.5 ≥ 0.1 |"))
        #expect(text.contains("## Prometheus values"))
        #expect(text.contains("| error-ratio | chaos | 10 (10 failed) | 0.5 | 0.5 |"))
        #expect(text.contains("| error-ratio | baseline | 9 | 0.01 | 0.01 |"))
        #expect(!Postmortem.render(Scenarios.randomInterrupted).contains("## Prometheus values"))
    }
}
