import GameDayCore
import GameDayEngine
import Synchronization
import Testing

@Suite struct BackoffPolicyTests {
    /// The ceiling doubles per attempt from the base and stops at the cap.
    @Test func ceilingIsExponentialAndCapped() {
        let policy = BackoffPolicy(maxAttempts: 5, base: .milliseconds(100), cap: .seconds(1))
        #expect((0..<6).map { policy.ceiling(attempt: $0).milliseconds } == [100, 200, 400, 800, 1000, 1000])
        #expect(policy.ceiling(attempt: 10_000) == .seconds(1))
    }

    /// Full jitter: every wait is within 0...ceiling, and a seed reproduces the sequence.
    @Test func fullJitterWithinBoundsAndSeeded() {
        let policy = BackoffPolicy(maxAttempts: 10, base: .milliseconds(250), cap: .seconds(4))
        var a = SeededGenerator(seed: 7)
        var b = SeededGenerator(seed: 7)
        var first: [Int64] = []
        for attempt in 0..<50 {
            let wait = policy.delay(attempt: attempt % 8, using: &a)
            #expect(wait >= .zero && wait <= policy.ceiling(attempt: attempt % 8))
            first.append(wait.milliseconds)
            #expect(policy.delay(attempt: attempt % 8, using: &b).milliseconds == wait.milliseconds)
        }
        #expect(Set(first).count > 10)
    }

    /// maxAttempts counts the first try; `.none` never retries.
    @Test func attemptsAreBounded() {
        let policy = BackoffPolicy(maxAttempts: 3)
        #expect(policy.shouldRetry(afterAttempt: 0))
        #expect(policy.shouldRetry(afterAttempt: 1))
        #expect(!policy.shouldRetry(afterAttempt: 2))
        #expect(!BackoffPolicy.none.shouldRetry(afterAttempt: 0))
        #expect(BackoffPolicy(maxAttempts: 0).maxAttempts == 1)
    }

    /// A deadline stops retries once it has passed and cuts the last wait short so it ends there.
    @Test func deadlineBoundsRetriesAndWaits() {
        let policy = BackoffPolicy.until(.seconds(3), base: .seconds(1), cap: .seconds(10))
        #expect(policy.shouldRetry(afterAttempt: 50, elapsed: .milliseconds(2_999)))
        #expect(!policy.shouldRetry(afterAttempt: 0, elapsed: .seconds(3)))
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<20 {
            #expect(policy.wait(attempt: 5, elapsed: .milliseconds(2_500), using: &generator) <= .milliseconds(500))
        }
        #expect(BackoffPolicy(maxAttempts: 2).shouldRetry(afterAttempt: 0, elapsed: .seconds(1_000)))
    }

    /// Without jitter every wait is its ceiling (the webhook's 0.5 s, 1 s, 2 s ... capped at 5 s).
    @Test func noJitterWaitsTheCeiling() {
        let policy = BackoffPolicy(maxAttempts: 7, base: .milliseconds(500), cap: .seconds(5), spread: .none)
        var generator = SeededGenerator(seed: 9)
        #expect((0..<6).map { policy.delay(attempt: $0, using: &generator).milliseconds } == [500, 1000, 2000, 4000, 5000, 5000])
    }

    /// `retrying` retries failures until the body succeeds, tells `onRetry` about each, and passes try numbers.
    @Test func retryingRetriesUntilSuccess() async throws {
        let clock = ManualRunClock()
        let policy = BackoffPolicy(maxAttempts: 10, base: .zero, cap: .zero)
        var retried: [Int] = []
        let value = try await retrying(policy, clock: clock, jitter: Jitter(seed: 1), onRetry: { retried.append($0.attempt) }) { attempt in
            if attempt < 3 { throw TryFailed(attempt: attempt) }
            return attempt
        }
        #expect(value == 3)
        #expect(retried == [0, 1, 2])
    }

    /// Out of tries (or a failure that is not retryable), `retrying` throws the count and the last error.
    @Test func retryingGivesUp() async throws {
        let clock = ManualRunClock()
        let policy = BackoffPolicy(maxAttempts: 3, base: .zero, cap: .zero)
        do {
            _ = try await retrying(policy, clock: clock, jitter: Jitter(seed: 1)) { attempt -> Int in throw TryFailed(attempt: attempt) }
            Issue.record("no error")
        } catch let error as RetriesExhausted {
            #expect(error.attempts == 3)
            #expect((error.last as? TryFailed)?.attempt == 2)
        }
        do {
            _ = try await retrying(policy, clock: clock, jitter: Jitter(seed: 1), isRetryable: { _ in false }) { attempt -> Int in
                throw TryFailed(attempt: attempt)
            }
            Issue.record("no error")
        } catch let error as RetriesExhausted {
            #expect(error.attempts == 1)
        }
    }

    /// A deadline on the clock ends the loop: the waits are slept on the given clock, the last cut at the deadline.
    @Test func retryingStopsAtTheDeadline() async throws {
        let clock = ManualRunClock()
        let policy = BackoffPolicy.until(.seconds(2), base: .seconds(1), cap: .seconds(1))
        let done = Mutex(false)
        let task = Task {
            defer { done.withLock { $0 = true } }
            return try await retrying(policy, clock: clock, jitter: Jitter(seed: 4)) { attempt -> Int in throw TryFailed(attempt: attempt) }
        }
        var rounds = 0
        while !done.withLock({ $0 }), rounds < 100_000 {
            rounds += 1
            if clock.sleeperCount > 0 { clock.advance(by: .milliseconds(250)) } else { await Task.yield() }
        }
        let result = await task.result
        guard case .failure(let error as RetriesExhausted) = result else { Issue.record("\(result)"); return }
        #expect(error.attempts >= 2)
        #expect(clock.now() >= .seconds(2) && clock.now() <= .milliseconds(2_250))
    }

    private struct TryFailed: Error { var attempt: Int }
}
