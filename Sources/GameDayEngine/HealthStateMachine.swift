import GameDayCore

/// Turns a stream of probe results into healthy/unhealthy transitions.
///
/// A check becomes unhealthy after `failuresToUnhealthy` consecutive failures and healthy after
/// `successesToHealthy` consecutive successes; it starts `unknown`.
public struct HealthStateMachine: Sendable {
    public let check: String
    public private(set) var state: HealthState = .unknown
    private let failuresToUnhealthy: Int
    private let successesToHealthy: Int
    private var failures = 0
    private var successes = 0
    private var lastError: String?

    public init(check: String, failuresToUnhealthy: Int, successesToHealthy: Int) {
        self.check = check
        self.failuresToUnhealthy = max(1, failuresToUnhealthy)
        self.successesToHealthy = max(1, successesToHealthy)
    }

    public init(spec: HealthCheckSpec) {
        self.init(check: spec.name, failuresToUnhealthy: spec.failuresToUnhealthy, successesToHealthy: spec.successesToHealthy)
    }

    /// Records one result; returns the transition it caused, if any.
    public mutating func record(ok: Bool, error: String? = nil) -> HealthTransition? {
        if ok {
            successes += 1; failures = 0
            if state != .healthy && successes >= successesToHealthy {
                defer { state = .healthy }
                return HealthTransition(check: check, from: state, to: .healthy,
                                        reason: "\(successes) consecutive successful probe\(successes == 1 ? "" : "s")")
            }
        } else {
            failures += 1; successes = 0; lastError = error
            if state != .unhealthy && failures >= failuresToUnhealthy {
                defer { state = .unhealthy }
                var reason = "\(failures) consecutive failed probe\(failures == 1 ? "" : "s")"
                if let error { reason += ": \(error)" }
                return HealthTransition(check: check, from: state, to: .unhealthy, reason: reason)
            }
        }
        return nil
    }
}
