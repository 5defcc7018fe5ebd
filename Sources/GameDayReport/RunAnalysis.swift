import GameDayCore

/// The facts of a run, computed from its journal alone (invariant 4); `Postmortem` renders them.
public struct RunAnalysis: Sendable {
    /// How the run ended, in order of precedence: a failed revert outranks an abort, which outranks a violated
    /// hypothesis. A journal without `run.end` is incomplete whatever else it holds.
    public enum Verdict: String, Sendable, Equatable, CaseIterable {
        case held, violated, aborted, revertFailed, incomplete

        /// The verdict as the postmortem headline spells it.
        public var title: String {
            switch self {
            case .held: return "HELD"
            case .violated: return "VIOLATED"
            case .aborted: return "ABORTED"
            case .revertFailed: return "REVERT FAILED"
            case .incomplete: return "INCOMPLETE"
            }
        }
    }

    /// One criterion of a hypothesis.
    public enum Criterion: Sendable, Equatable {
        case availability(minimum: Double)
        case latency(percentile: Int, maximum: TimeSpan)
        /// Every value of a Prometheus check in the phase stays below / above the bound.
        case valueBelow(Double)
        case valueAbove(Double)
    }

    /// The judgement of one check in one phase.
    public enum Judgement: Sendable, Equatable {
        /// No hypothesis covers this check in this phase.
        case notJudged
        case passed
        case failed(reasons: [String])
        /// The phase had no samples of this check: it cannot pass.
        case noData
        /// No samples, but the run stopped early (aborted, interrupted, crashed): nothing to judge.
        case notReached

        public var isFailure: Bool {
            switch self {
            case .failed, .noData: return true
            case .notJudged, .passed, .notReached: return false
            }
        }
    }

    /// Samples of one check in one phase.
    public struct CheckPhaseStats: Sendable, Equatable {
        public var check: String
        public var phase: Phase
        public var samples: Int
        public var failures: Int
        /// Successful probes / probes, in percent; nil without samples.
        public var availability: Double?
        /// Top percentiles of the latency of successful probes, in milliseconds.
        public var p50: Double?
        public var p90: Double?
        public var p99: Double?
        /// The smallest and largest value a Prometheus check returned in the phase.
        public var minValue: Double? = nil
        public var maxValue: Double? = nil
        public var criteria: [Criterion]
        public var judgement: Judgement
    }

    /// One applied fault (one target of one step): a view of its `FaultLedger` entry (`row.faultID`,
    /// `row.beginT`, `row.isOpen`, `row.manualInstructions` ... come from the entry and its `inject.begin`).
    @dynamicMemberLookup
    public struct FaultRow: Sendable, Equatable {
        public typealias RevertStatus = FaultLedger.Entry.Status

        public var entry: FaultLedger.Entry

        public subscript<T>(dynamicMember keyPath: KeyPath<FaultLedger.Entry, T>) -> T { entry[keyPath: keyPath] }
        public var revertStatus: RevertStatus { entry.status }
    }

    /// How the checks a step broke came back.
    public enum Recovery: Sendable, Equatable {
        /// Nothing went unhealthy.
        case notApplicable
        /// Healthy again before the step was reverted (e.g. a supervisor restarted a killed process):
        /// the span from inject to healthy.
        case healedBeforeRevert(injectToHealthy: Int64)
        /// Healthy again this long after the revert.
        case afterRevert(Int64)
        /// Still unhealthy at the end of the run.
        case notRecovered
    }

    /// Detection and recovery of one step that was injected.
    public struct StepDetection: Sendable, Equatable {
        public var stepIndex: Int
        public var step: String
        public var fault: String
        public var targets: [String]
        /// First successful inject of the step (nil if every inject failed).
        public var injectedT: Int64?
        /// When the step was put back (nil while it is still active).
        public var revertedT: Int64?
        /// Inject → first unhealthy transition attributed to the step.
        public var timeToDetect: Int64?
        public var unhealthyChecks: [String]
        public var recovery: Recovery
        /// Inject → the operator's first `detected` / `mitigated` mark attributed to the step.
        public var operatorDetected: Int64?
        public var operatorMitigated: Int64?
    }

    /// A stretch during which a check was unhealthy.
    public struct UnhealthyInterval: Sendable, Equatable {
        public var check: String
        public var fromT: Int64
        public var fromWall: Int64
        /// nil: still unhealthy when the journal ends.
        public var toT: Int64?
        public var toWall: Int64?
    }

    /// Probe samples between two other events, folded into one timeline row.
    public struct ProbeFold: Sendable, Equatable {
        public var firstT: Int64
        public var firstWall: Int64
        public var lastT: Int64
        public var count: Int
        public var failed: Int
        /// Failures per check, in check order.
        public var failedByCheck: [(check: String, count: Int)]

        public static func == (lhs: ProbeFold, rhs: ProbeFold) -> Bool {
            lhs.firstT == rhs.firstT && lhs.firstWall == rhs.firstWall && lhs.lastT == rhs.lastT
                && lhs.count == rhs.count && lhs.failed == rhs.failed
                && lhs.failedByCheck.elementsEqual(rhs.failedByCheck) { $0.check == $1.check && $0.count == $1.count }
        }
    }

    /// A timeline row: an event, or the probes folded between events.
    public enum TimelineEntry: Sendable, Equatable {
        case event(JournalEvent)
        case probes(ProbeFold)
    }

    public var start: RunStart?
    /// Wall clock (Unix ms) at T+0.
    public var startWall: Int64
    /// T+ of the last event (`run.end` when there is one).
    public var endT: Int64
    public var endWall: Int64
    public var end: RunEnd?
    public var verdict: Verdict
    /// The process exit code for this outcome (DESIGN.md's CLI contract).
    public var exitCode: Int32
    public var phases: PhaseClock
    /// Per check (plan order, then any other check seen) and phase.
    public var checkStats: [CheckPhaseStats]
    public var faults: [FaultRow]
    public var steps: [StepDetection]
    public var unhealthy: [UnhealthyInterval]
    public var guardrailTrips: [(t: Int64, trip: GuardrailTrip)]
    public var signals: [(t: Int64, name: String)]
    public var errors: [(t: Int64, message: String)]
    public var marks: [(t: Int64, mark: OperatorMark)]
    /// The preflight `gameday run` did during its baseline (the last one journaled), if any.
    public var preflight: PreflightReport?
    public var timeline: [TimelineEntry]
    public var totalProbes: Int
    /// Diagnoses of a blind drill (empty for other runs).
    public var blindDrill: BlindDrill

    /// Faults that may still be applied.
    public var openFaults: [FaultRow] { faults.filter(\.isOpen) }
    /// Check/phase pairs whose hypothesis failed (or had no data).
    public var failedJudgements: [CheckPhaseStats] { checkStats.filter { $0.judgement.isFailure } }

    public init(events: [JournalEvent]) {
        var start: RunStart?
        var startWall: Int64?
        var end: RunEnd?
        for event in events {
            if case .runStart(let s) = event.body, start == nil { start = s; startWall = event.wall - event.t }
            if case .runEnd(let e) = event.body { end = e }
        }
        var preflight: PreflightReport?
        for event in events { if case .preflight(let report) = event.body { preflight = report } }
        self.preflight = preflight
        let first = events.first
        let last = events.last
        self.start = start
        let origin = startWall ?? ((first?.wall ?? 0) - (first?.t ?? 0))
        let endT = events.map(\.t).max() ?? 0
        self.startWall = origin
        self.endT = endT
        self.endWall = last.map { $0.wall + (endT - $0.t) } ?? origin
        self.end = end
        self.phases = PhaseClock(events: events)

        let collected = Self.collect(events: events, start: start, phases: phases)
        self.timeline = collected.timeline
        self.totalProbes = collected.totalProbes
        self.guardrailTrips = collected.guardrails
        self.signals = collected.signals
        self.errors = collected.errors
        self.marks = collected.marks
        // A run cut short (aborted, interrupted, crashed) leaves later phases empty or barely begun: their lack of
        // samples says nothing about the hypothesis. A completed run has no such excuse.
        self.checkStats = Self.judge(collected.accumulators, checkOrder: collected.checkOrder, start: start,
                                     finished: end?.status == .completed)
        self.faults = Self.faultRows(events: events)
        self.unhealthy = Self.unhealthyIntervals(events: events)
        self.steps = Self.detections(events: events, faults: faults, start: start, endT: endT, marks: marks)
        self.blindDrill = BlindDrill(events: events)

        let open = faults.contains(where: \.isOpen)
        if let end {
            if open || !end.stillActive.isEmpty {
                verdict = .revertFailed
            } else if end.status != .completed || !guardrailTrips.isEmpty {
                verdict = .aborted
            } else if checkStats.contains(where: { $0.judgement.isFailure }) {
                verdict = .violated
            } else {
                verdict = .held
            }
        } else {
            verdict = .incomplete
        }
        switch verdict {
        case .held: exitCode = 0
        case .violated: exitCode = 1
        case .aborted: exitCode = 3
        case .revertFailed: exitCode = 4
        case .incomplete: exitCode = open ? 4 : 3
        }
    }

    // MARK: - Probes and the timeline

    private struct Accumulator {
        var samples = 0
        var failures = 0
        var latencies: [Double] = []
        var minValue: Double?
        var maxValue: Double?
    }

    private struct Collected {
        var accumulators: [[Accumulator]] = []
        var checkOrder: [String] = []
        var timeline: [TimelineEntry] = []
        var totalProbes = 0
        var guardrails: [(t: Int64, trip: GuardrailTrip)] = []
        var signals: [(t: Int64, name: String)] = []
        var errors: [(t: Int64, message: String)] = []
        var marks: [(t: Int64, mark: OperatorMark)] = []
    }

    /// One pass over every event: probe statistics per check and phase, and the folded timeline.
    private static func collect(events: [JournalEvent], start: RunStart?, phases: PhaseClock) -> Collected {
        var out = Collected()
        var index: [String: Int] = [:]
        func checkIndex(_ name: String) -> Int {
            if let i = index[name] { return i }
            let i = out.checkOrder.count
            index[name] = i
            out.checkOrder.append(name)
            out.accumulators.append(Array(repeating: Accumulator(), count: Phase.allCases.count))
            return i
        }
        for check in start?.checks ?? [] { _ = checkIndex(check.name) }
        for hypothesis in start?.hypothesis ?? [] { _ = checkIndex(hypothesis.check) }

        let phaseSlot: [Phase: Int] = Dictionary(uniqueKeysWithValues: Phase.allCases.enumerated().map { ($1, $0) })
        var fold: ProbeFold?
        var foldFailures: [Int] = []
        func flush() {
            guard var f = fold else { return }
            f.failedByCheck = foldFailures.enumerated().compactMap { $1 > 0 ? (out.checkOrder[$0], $1) : nil }
            out.timeline.append(.probes(f))
            fold = nil
            foldFailures = []
        }

        for event in events {
            guard case .probe(let sample) = event.body else {
                flush()
                out.timeline.append(.event(event))
                switch event.body {
                case .guardrail(let trip): out.guardrails.append((event.t, trip))
                case .signal(let s): out.signals.append((event.t, s.name))
                case .error(let e): out.errors.append((event.t, e.message))
                case .mark(let m): out.marks.append((event.t, m))
                default: break
                }
                continue
            }
            out.totalProbes += 1
            let c = checkIndex(sample.check)
            let p = phaseSlot[phases.phase(at: event.t)] ?? 0
            out.accumulators[c][p].samples += 1
            if let value = sample.value {
                out.accumulators[c][p].minValue = min(out.accumulators[c][p].minValue ?? value, value)
                out.accumulators[c][p].maxValue = max(out.accumulators[c][p].maxValue ?? value, value)
            }
            if sample.ok {
                if let ms = sample.ms, ms.isFinite { out.accumulators[c][p].latencies.append(ms) }
            } else {
                out.accumulators[c][p].failures += 1
            }
            if fold == nil {
                fold = ProbeFold(firstT: event.t, firstWall: event.wall, lastT: event.t, count: 0, failed: 0,
                                 failedByCheck: [])
            }
            fold!.count += 1
            fold!.lastT = event.t
            if !sample.ok {
                fold!.failed += 1
                if foldFailures.count <= c { foldFailures += Array(repeating: 0, count: c + 1 - foldFailures.count) }
                foldFailures[c] += 1
            }
        }
        flush()
        return out
    }

    /// Statistics and the hypothesis verdict per check and phase.
    private static func judge(_ accumulators: [[Accumulator]], checkOrder: [String], start: RunStart?,
                              finished: Bool) -> [CheckPhaseStats] {
        var out: [CheckPhaseStats] = []
        for (c, check) in checkOrder.enumerated() {
            for (p, phase) in Phase.allCases.enumerated() {
                let acc = accumulators[c][p]
                let sorted = acc.latencies.sorted()
                var criteria: [Criterion] = []
                for h in start?.hypothesis ?? [] where h.check == check && h.judgedPhases.contains(phase) {
                    if let a = h.availability { criteria.append(.availability(minimum: a)) }
                    if let l = h.latencyP50 { criteria.append(.latency(percentile: 50, maximum: l)) }
                    if let l = h.latencyP90 { criteria.append(.latency(percentile: 90, maximum: l)) }
                    if let l = h.latencyP99 { criteria.append(.latency(percentile: 99, maximum: l)) }
                    if let v = h.valueBelow { criteria.append(.valueBelow(v)) }
                    if let v = h.valueAbove { criteria.append(.valueAbove(v)) }
                }
                let availability = acc.samples > 0 ? Double(acc.samples - acc.failures) * 100 / Double(acc.samples) : nil
                var stats = CheckPhaseStats(
                    check: check, phase: phase, samples: acc.samples, failures: acc.failures,
                    availability: availability, p50: Percentile.top(50, ofSorted: sorted),
                    p90: Percentile.top(90, ofSorted: sorted), p99: Percentile.top(99, ofSorted: sorted),
                    criteria: criteria, judgement: .notJudged)
                stats.minValue = acc.minValue
                stats.maxValue = acc.maxValue
                stats.judgement = judgement(stats, latencies: sorted)
                if stats.judgement == .noData && !finished { stats.judgement = .notReached }
                out.append(stats)
            }
        }
        return out
    }

    private static func judgement(_ stats: CheckPhaseStats, latencies: [Double]) -> Judgement {
        guard !stats.criteria.isEmpty else { return .notJudged }
        guard stats.samples > 0, let availability = stats.availability else { return .noData }
        var reasons: [String] = []
        for criterion in stats.criteria {
            switch criterion {
            case .availability(let minimum):
                if availability < minimum {
                    reasons.append("availability \(Format.percent(availability)) < \(Percent.format(minimum))")
                }
            case .latency(let percentile, let maximum):
                if let value = Percentile.top(percentile, ofSorted: latencies) {
                    if value > Double(maximum.milliseconds) {
                        reasons.append("p\(percentile) \(Format.milliseconds(value)) > \(maximum)")
                    }
                } else {
                    reasons.append("p\(percentile): no successful probe")
                }
            case .valueBelow(let bound):
                if let max = stats.maxValue {
                    if !(max < bound) { reasons.append("max value \(PrometheusCheck.format(max)) ≥ \(PrometheusCheck.format(bound))") }
                } else {
                    reasons.append("no value")
                }
            case .valueAbove(let bound):
                if let min = stats.minValue {
                    if !(min > bound) { reasons.append("min value \(PrometheusCheck.format(min)) ≤ \(PrometheusCheck.format(bound))") }
                } else {
                    reasons.append("no value")
                }
            }
        }
        return reasons.isEmpty ? .passed : .failed(reasons: reasons)
    }

    // MARK: - Faults

    private static func faultRows(events: [JournalEvent]) -> [FaultRow] {
        FaultLedger(events: events).entries.map(FaultRow.init(entry:))
    }

    // MARK: - Health

    private static func unhealthyIntervals(events: [JournalEvent]) -> [UnhealthyInterval] {
        var out: [UnhealthyInterval] = []
        var open: [String: Int] = [:]
        for event in events {
            guard case .health(let h) = event.body else { continue }
            if h.to == .unhealthy {
                guard open[h.check] == nil else { continue }
                open[h.check] = out.count
                out.append(UnhealthyInterval(check: h.check, fromT: event.t, fromWall: event.wall, toT: nil, toWall: nil))
            } else if let i = open[h.check] {
                out[i].toT = event.t
                out[i].toWall = event.wall
                open[h.check] = nil
            }
        }
        return out
    }

    // MARK: - Detection and recovery

    private struct StepWindow {
        var stepIndex: Int
        var injectedT: Int64
        /// nil: still active at the end.
        var endT: Int64?
    }

    /// Attributes `t` to the most recently injected step that was active then, or reverted less than the plan's
    /// recovery time earlier.
    private static func attribute(_ t: Int64, windows: [StepWindow], recovery: Int64) -> Int? {
        var best: StepWindow?
        for w in windows where w.injectedT <= t {
            if let end = w.endT, t - end >= recovery, t > end { continue }
            if let b = best, (b.injectedT, b.stepIndex) > (w.injectedT, w.stepIndex) { continue }
            best = w
        }
        return best?.stepIndex
    }

    private static func detections(events: [JournalEvent], faults: [FaultRow], start: RunStart?, endT: Int64,
                                   marks: [(t: Int64, mark: OperatorMark)]) -> [StepDetection] {
        let recovery = start?.schedule.recovery.milliseconds ?? 0
        var stepOrder: [Int] = []
        var byStep: [Int: [FaultRow]] = [:]
        for f in faults {
            if byStep[f.stepIndex] == nil { stepOrder.append(f.stepIndex) }
            byStep[f.stepIndex, default: []].append(f)
        }
        let scheduled = Dictionary((start?.schedule.steps ?? []).map { ($0.index, $0) }, uniquingKeysWith: { a, _ in a })

        var windows: [StepWindow] = []
        var revertOf: [Int: Int64] = [:]
        for s in stepOrder {
            let rows = byStep[s] ?? []
            guard let injected = rows.compactMap(\.injectedT).min() else { continue }
            var end: Int64? = nil
            if !rows.contains(where: \.isOpen) {
                var last: Int64 = injected
                for row in rows {
                    if let r = row.revertedT {
                        last = max(last, r)
                    } else if let planned = scheduled[s]?.revertAt.milliseconds {
                        last = max(last, min(planned, endT))
                    } else {
                        last = max(last, endT)
                    }
                }
                end = last
            }
            if let end { revertOf[s] = end }
            windows.append(StepWindow(stepIndex: s, injectedT: injected, endT: end))
        }

        // Unhealthy transitions attributed to steps, and the healthy transitions that follow them.
        var firstUnhealthy: [Int: Int64] = [:]
        var lastUnhealthyByCheck: [Int: [String: Int]] = [:]
        var checkOrder: [Int: [String]] = [:]
        var healthEvents: [(t: Int64, position: Int, h: HealthTransition)] = []
        for (position, event) in events.enumerated() {
            guard case .health(let h) = event.body else { continue }
            healthEvents.append((event.t, position, h))
            guard h.to == .unhealthy, let s = attribute(event.t, windows: windows, recovery: recovery) else { continue }
            if firstUnhealthy[s] == nil { firstUnhealthy[s] = event.t }
            if lastUnhealthyByCheck[s]?[h.check] == nil { checkOrder[s, default: []].append(h.check) }
            lastUnhealthyByCheck[s, default: [:]][h.check] = position
        }

        var firstMark: [Int: [OperatorMark.Kind: Int64]] = [:]
        for (t, mark) in marks where mark.kind != .note {
            guard let s = attribute(t, windows: windows, recovery: recovery) else { continue }
            if firstMark[s]?[mark.kind] == nil { firstMark[s, default: [:]][mark.kind] = t }
        }

        var out: [StepDetection] = []
        for s in stepOrder {
            let rows = byStep[s] ?? []
            let injected = rows.compactMap(\.injectedT).min()
            var detection = StepDetection(
                stepIndex: s, step: rows.first?.step ?? "", fault: rows.first?.fault ?? "",
                targets: rows.map(\.target), injectedT: injected, revertedT: revertOf[s], timeToDetect: nil,
                unhealthyChecks: checkOrder[s] ?? [], recovery: .notApplicable, operatorDetected: nil,
                operatorMitigated: nil)
            guard let injected else { out.append(detection); continue }
            if let detected = firstUnhealthy[s] {
                detection.timeToDetect = detected - injected
                var healed: Int64? = injected
                for check in detection.unhealthyChecks {
                    let since = lastUnhealthyByCheck[s]?[check] ?? 0
                    let back = healthEvents.first { $0.position > since && $0.h.check == check && $0.h.to == .healthy }
                    if let back, let current = healed { healed = max(current, back.t) } else { healed = nil }
                }
                if let healed {
                    if let reverted = detection.revertedT, healed >= reverted {
                        detection.recovery = .afterRevert(healed - reverted)
                    } else {
                        detection.recovery = .healedBeforeRevert(injectToHealthy: healed - injected)
                    }
                } else {
                    detection.recovery = .notRecovered
                }
            }
            if let t = firstMark[s]?[.detected] { detection.operatorDetected = t - injected }
            if let t = firstMark[s]?[.mitigated] { detection.operatorMitigated = t - injected }
            out.append(detection)
        }
        return out
    }
}
