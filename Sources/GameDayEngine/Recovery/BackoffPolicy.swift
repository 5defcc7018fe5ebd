import GameDayCore
import Synchronization

/// How a failing operation is retried: exponential backoff, optionally with full jitter, a cap, a number of tries
/// and a deadline. Pure: it only says how long to wait and whether to try again; `retrying` runs the loop.
///
/// The wait before retry `attempt` (0 for the first retry) is drawn from `0...min(cap, base * 2^attempt)` (full
/// jitter), or is exactly that ceiling (`jitter: .none`). Full jitter spreads the retries of many clients that
/// failed together (a partition just healed, a bastion restarted), so they do not come back in lockstep.
public struct BackoffPolicy: Sendable, Equatable {
    /// How a wait is drawn below its ceiling.
    public enum Spread: Sendable, Equatable {
        /// Uniformly from `0...ceiling`.
        case full
        /// Exactly the ceiling (for a single client, where there is no herd to spread).
        case none
    }

    /// Total tries, including the first (1 = no retry).
    public var maxAttempts: Int
    public var base: TimeSpan
    public var cap: TimeSpan
    /// No retry starts once this much time has passed since the first try; waits are cut short to end by then.
    public var deadline: TimeSpan?
    public var spread: Spread

    public init(maxAttempts: Int = 4, base: TimeSpan = .milliseconds(250), cap: TimeSpan = .seconds(4),
                deadline: TimeSpan? = nil, spread: Spread = .full) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
        self.deadline = deadline
        self.spread = spread
    }

    /// Never retries: for callers that retry themselves.
    public static let none = BackoffPolicy(maxAttempts: 1)

    /// Retries until `deadline` (no limit on the number of tries): how reverts are retried.
    public static func until(_ deadline: TimeSpan, base: TimeSpan, cap: TimeSpan) -> BackoffPolicy {
        BackoffPolicy(maxAttempts: .max, base: base, cap: cap, deadline: deadline)
    }

    /// The upper bound of the wait before retry `attempt`: `min(cap, base * 2^attempt)`.
    public func ceiling(attempt: Int) -> TimeSpan {
        let exponent = min(max(0, attempt), 40)
        let (scaled, overflow) = base.milliseconds.multipliedReportingOverflow(by: Int64(1) << Int64(exponent))
        if overflow { return cap }
        return TimeSpan(milliseconds: min(cap.milliseconds, scaled))
    }

    /// The wait before retry `attempt`: drawn uniformly from `0...ceiling(attempt)` with `generator` (full jitter),
    /// or the ceiling itself (no jitter; the generator is not used).
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> TimeSpan {
        let top = ceiling(attempt: attempt).milliseconds
        guard top > 0 else { return .zero }
        switch spread {
        case .none: return TimeSpan(milliseconds: top)
        case .full: return TimeSpan(milliseconds: Int64.random(in: 0...top, using: &generator))
        }
    }

    /// Whether a failed try numbered `attempt` (0-based) may be followed by another (the number of tries only).
    public func shouldRetry(afterAttempt attempt: Int) -> Bool { attempt + 1 < maxAttempts }

    /// Whether a failed try numbered `attempt` (0-based), `elapsed` after the first try began, may be followed by
    /// another: tries are left and the deadline (if any) has not passed.
    public func shouldRetry(afterAttempt attempt: Int, elapsed: TimeSpan) -> Bool {
        guard shouldRetry(afterAttempt: attempt) else { return false }
        if let deadline { return elapsed < deadline }
        return true
    }

    /// The wait before retry `attempt`, cut short so that it ends at the deadline (if any).
    public func wait(attempt: Int, elapsed: TimeSpan, using generator: inout some RandomNumberGenerator) -> TimeSpan {
        let wait = delay(attempt: attempt, using: &generator)
        guard let deadline else { return wait }
        return TimeSpan(milliseconds: max(0, min(wait.milliseconds, deadline.milliseconds - elapsed.milliseconds)))
    }
}

/// The random source of retry waits: a seeded generator behind a lock, so that the copies of a value type (an
/// executor, a reverter) and concurrent retry loops draw from one reproducible sequence.
public final class Jitter: Sendable {
    private let generator: Mutex<SeededGenerator>

    /// A seed makes the waits reproducible (tests); nil draws one at random.
    public init(seed: UInt64? = nil) {
        generator = Mutex(SeededGenerator(seed: seed ?? UInt64.random(in: 0...UInt64.max)))
    }

    /// One named stream under a run seed (see `SeededGenerator(seed:stream:)`).
    public init(seed: UInt64, stream: String) { generator = Mutex(SeededGenerator(seed: seed, stream: stream)) }

    public func delay(_ policy: BackoffPolicy, attempt: Int) -> TimeSpan {
        generator.withLock { policy.delay(attempt: attempt, using: &$0) }
    }

    public func wait(_ policy: BackoffPolicy, attempt: Int, elapsed: TimeSpan) -> TimeSpan {
        generator.withLock { policy.wait(attempt: attempt, elapsed: elapsed, using: &$0) }
    }
}

/// A failed try that `retrying` is about to follow with another.
public struct RetryFailure: Sendable {
    /// The failed try, 0-based.
    public var attempt: Int
    public var error: any Error
    /// How long it waits before the next try.
    public var wait: TimeSpan
}

/// Every try `retrying` made failed (or the last failure was not retryable).
public struct RetriesExhausted: Error, CustomStringConvertible {
    /// How many tries were made.
    public var attempts: Int
    /// The last try's error.
    public var last: any Error

    public var description: String { "gave up after \(attempts) attempt(s): \(last)" }
}

/// Runs `body` until it returns, retrying failures as `policy` allows: the one retry loop of the project.
///
/// - Parameters:
///   - clock: measures the deadline and sleeps the waits (a `ManualRunClock` in tests).
///   - isRetryable: failures for which it returns false end the loop at once (thrown as `RetriesExhausted`).
///   - keepsTryingWhenCancelled: when false (the default), a `CancellationError` from `body` or from a wait ends
///     the loop and is rethrown as is; when true, cancellation is a failure like any other and waits of a cancelled
///     task end early, but the loop goes on to the deadline (a revert must not be abandoned because its task was
///     cancelled).
///   - onRetry: told about each failure that will be retried, before the wait.
///   - body: one try; receives its number, 0-based.
/// - Throws: `RetriesExhausted` with the last error, or `CancellationError`.
public func retrying<T>(_ policy: BackoffPolicy, clock: any RunClock, jitter: Jitter,
                        isRetryable: (any Error) -> Bool = { _ in true }, keepsTryingWhenCancelled: Bool = false,
                        isolation: isolated (any Actor)? = #isolation,
                        onRetry: (RetryFailure) async -> Void = { _ in },
                        _ body: (_ attempt: Int) async throws -> T) async throws -> T {
    let start = clock.now()
    var attempt = 0
    while true {
        do {
            return try await body(attempt)
        } catch let error as CancellationError where !keepsTryingWhenCancelled {
            throw error
        } catch {
            let elapsed = clock.now() - start
            guard isRetryable(error), policy.shouldRetry(afterAttempt: attempt, elapsed: elapsed) else {
                throw RetriesExhausted(attempts: attempt + 1, last: error)
            }
            let wait = jitter.wait(policy, attempt: attempt, elapsed: elapsed)
            await onRetry(RetryFailure(attempt: attempt, error: error, wait: wait))
            if keepsTryingWhenCancelled {
                try? await clock.sleep(until: clock.now() + wait)
            } else {
                try await clock.sleep(until: clock.now() + wait)
            }
            attempt += 1
        }
    }
}
