import GameDayCore

/// Decides when a guardrail trips, from health transitions, probe samples and the passage of time.
///
/// - `unhealthyFor`: the check has been unhealthy without interruption for the span.
/// - `availabilityBelow` over a window: trips as soon as the window's availability is certain to end below the
///   threshold — counting the probes still expected in a full window as successes — so a long window still reacts
///   early to a total outage, and a single early failure never trips it.
public struct GuardrailStateMachine: Sendable {
    private let guardrails: [GuardrailSpec]
    private let intervals: [String: TimeSpan]
    private var unhealthySince: [String: TimeSpan] = [:]
    private var samples: [String: [(t: TimeSpan, ok: Bool)]] = [:]
    public private(set) var tripped: GuardrailTrip?

    public init(guardrails: [GuardrailSpec], checks: [HealthCheckSpec]) {
        self.guardrails = guardrails
        self.intervals = Dictionary(checks.map { ($0.name, $0.interval) }, uniquingKeysWith: { a, _ in a })
    }

    public mutating func observe(transition: HealthTransition, at t: TimeSpan) {
        if transition.to == .unhealthy { unhealthySince[transition.check] = t }
        else { unhealthySince[transition.check] = nil }
    }

    public mutating func observe(check: String, ok: Bool, at t: TimeSpan) {
        guard guardrails.contains(where: { $0.check == check }) else { return }
        samples[check, default: []].append((t, ok))
    }

    /// Evaluates every guardrail at time `t`; returns the first trip (once).
    public mutating func evaluate(at t: TimeSpan) -> GuardrailTrip? {
        guard tripped == nil else { return nil }
        let longestWindow = guardrails.compactMap { g -> TimeSpan? in
            if case .availabilityBelow(_, let w) = g.condition { return w } else { return nil }
        }.max() ?? .zero
        for check in samples.keys { samples[check]?.removeAll { $0.t < t - longestWindow } }
        for guardrail in guardrails {
            switch guardrail.condition {
            case .unhealthyFor(let span):
                if let since = unhealthySince[guardrail.check], t - since >= span {
                    tripped = GuardrailTrip(guardrail: guardrail.summary, check: guardrail.check,
                                            reason: "\(guardrail.check) has been unhealthy for \(t - since) (limit \(span))")
                    return tripped
                }
            case .availabilityBelow(let percent, let window):
                let inWindow = (samples[guardrail.check] ?? []).filter { $0.t > t - window }
                guard !inWindow.isEmpty else { continue }
                let failures = inWindow.filter { !$0.ok }.count
                let interval = max(intervals[guardrail.check]?.milliseconds ?? 1000, 1)
                let expected = max(Double(inWindow.count), Double(window.milliseconds) / Double(interval))
                let bestCase = (expected - Double(failures)) / expected * 100
                if bestCase < percent {
                    let observed = Double(inWindow.count - failures) / Double(inWindow.count) * 100
                    tripped = GuardrailTrip(guardrail: guardrail.summary, check: guardrail.check,
                                            reason: "\(guardrail.check): \(failures) of \(inWindow.count) probes failed in the last \(window) (observed availability \(String(format: "%.1f", observed))%); even with every remaining probe in the window succeeding it stays below \(Percent.format(percent))")
                    return tripped
                }
            }
        }
        return nil
    }
}

import Foundation
