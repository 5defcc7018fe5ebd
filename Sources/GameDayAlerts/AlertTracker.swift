import GameDayCore

/// Turns what the webhook and the API poller report into journal events: one `firing` when a matching alert is first
/// seen, one `resolved` when it ends (pure; repeats and re-notifications journal nothing).
public struct AlertTracker: Sendable {
    private let matchers: AlertMatcherSet
    /// Firing alerts by fingerprint.
    private var firing: [String: ObservedAlert] = [:]

    public init(matchers: [AlertMatcher]) { self.matchers = AlertMatcherSet(matchers) }

    /// The fingerprints of matching alerts firing now.
    public var firingFingerprints: Set<String> { Set(firing.keys) }

    /// A webhook notification: each alert says for itself whether it fires or resolved.
    public mutating func webhook(_ alerts: [ObservedAlert]) -> [AlertEvent] {
        alerts.compactMap { observe($0, firing: $0.firing, source: .webhook) }
    }

    /// One poll of the API: the complete list of active alerts; a firing alert missing from it has resolved.
    public mutating func poll(_ active: [ObservedAlert]) -> [AlertEvent] {
        var out: [AlertEvent] = []
        let seen = Set(active.map(\.fingerprint))
        for alert in active {
            if let event = observe(alert, firing: true, source: .api) { out.append(event) }
        }
        for fingerprint in firing.keys.sorted() where !seen.contains(fingerprint) {
            guard let alert = firing.removeValue(forKey: fingerprint) else { continue }
            out.append(event(alert, .resolved, .api))
        }
        return out
    }

    private mutating func observe(_ alert: ObservedAlert, firing isFiring: Bool, source: AlertEvent.Source) -> AlertEvent? {
        guard matchers.matches(alert.labels) else { return nil }
        if isFiring {
            guard firing[alert.fingerprint] == nil else { return nil }
            firing[alert.fingerprint] = alert
            return event(alert, .firing, source)
        }
        guard firing.removeValue(forKey: alert.fingerprint) != nil else { return nil }
        return event(alert, .resolved, source)
    }

    private func event(_ alert: ObservedAlert, _ status: AlertEvent.Status, _ source: AlertEvent.Source) -> AlertEvent {
        AlertEvent(status: status, name: alert.labels["alertname"] ?? "(no alertname)", labels: alert.labels,
                   fingerprint: alert.fingerprint, startsAt: alert.startsAt, endsAt: status == .resolved ? alert.endsAt : nil,
                   source: source)
    }
}
