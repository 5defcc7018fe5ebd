import GameDayCore

/// How the SSH executor retries connection failures: exponential backoff with full jitter.
///
/// The wait before retry `attempt` (0 for the first retry) is `random(0, min(cap, base * 2^attempt))`. Full jitter
/// spreads the retries of many hosts that failed together (a partition just healed, a bastion restarted), so they
/// do not reconnect in lockstep.
public struct SSHRetryPolicy: Sendable, Equatable {
    /// Total tries, including the first (1 = no retry).
    public var maxAttempts: Int
    public var base: TimeSpan
    public var cap: TimeSpan

    public init(maxAttempts: Int = 4, base: TimeSpan = .milliseconds(250), cap: TimeSpan = .seconds(4)) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
    }

    /// Never retries: for callers that retry themselves.
    public static let none = SSHRetryPolicy(maxAttempts: 1)

    /// The upper bound of the wait before retry `attempt`: `min(cap, base * 2^attempt)`.
    public func ceiling(attempt: Int) -> TimeSpan {
        let exponent = min(max(0, attempt), 40)
        let (scaled, overflow) = base.milliseconds.multipliedReportingOverflow(by: Int64(1) << Int64(exponent))
        if overflow { return cap }
        return TimeSpan(milliseconds: min(cap.milliseconds, scaled))
    }

    /// The wait before retry `attempt`, drawn uniformly from `0...ceiling(attempt)` with `generator`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeSpan {
        let top = ceiling(attempt: attempt).milliseconds
        guard top > 0 else { return .zero }
        return TimeSpan(milliseconds: Int64.random(in: 0...top, using: &generator))
    }

    /// Whether a failed try numbered `attempt` (0-based) may be followed by another.
    public func shouldRetry(afterAttempt attempt: Int) -> Bool { attempt + 1 < maxAttempts }
}
