import GameDayCore
import Testing
@testable import GameDayReport

@Suite struct PhaseClockTests {
    private let clock = PhaseClock(changes: [(0, .baseline), (10_000, .chaos), (30_000, .recovery)])

    /// A sample belongs to the phase in force at its `t`; a phase starting at that very millisecond counts.
    @Test func phaseInForceAtT() {
        #expect(clock.phase(at: 0) == .baseline)
        #expect(clock.phase(at: 9_999) == .baseline)
        #expect(clock.phase(at: 10_000) == .chaos)
        #expect(clock.phase(at: 29_999) == .chaos)
        #expect(clock.phase(at: 30_000) == .recovery)
        #expect(clock.phase(at: 1_000_000) == .recovery)
    }

    /// Before the first phase event, and without any, the run is in its baseline.
    @Test func baselineBeforeAnyPhaseEvent() {
        #expect(PhaseClock(changes: []).phase(at: 5) == .baseline)
        #expect(PhaseClock(changes: [(100, .chaos)]).phase(at: 99) == .baseline)
        #expect(clock.phase(at: -1) == .baseline)
    }

    /// Changes are ordered by time even if the journal lists them out of order; same-ms changes keep journal order.
    @Test func outOfOrderAndSameMillisecond() {
        let c = PhaseClock(changes: [(30_000, .recovery), (10_000, .chaos), (10_000, .recovery)])
        #expect(c.phase(at: 10_000) == .recovery)
        #expect(c.phase(at: 9_000) == .baseline)
    }

    /// Phase spans cover the run from 0 to its end.
    @Test func spans() {
        let spans = clock.spans(end: 45_000)
        #expect(spans.map(\.phase) == [.baseline, .chaos, .recovery])
        #expect(spans.map(\.from) == [0, 10_000, 30_000])
        #expect(spans.map(\.to) == [10_000, 30_000, 45_000])
    }

    /// The probes of a run are counted in the phase of their `t`.
    @Test func samplesAttributedByPhase() {
        var s = RunScript()
        s.add(0, Fixture.runStart(name: "p", steps: []))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(20_000, .phase(PhaseChange(phase: .recovery)))
        s.probes("storefront", from: 0, to: 30_000)
        let stats = RunAnalysis(events: s.events).checkStats.filter { $0.check == "storefront" }
        #expect(stats.map(\.samples) == [10, 10, 10])
    }
}
