import GameDayCore
import GameDayInjectors
import Testing

@Suite struct SSHRetryPolicyTests {
    /// The ceiling doubles per attempt from the base and stops at the cap.
    @Test func ceilingIsExponentialAndCapped() {
        let policy = SSHRetryPolicy(maxAttempts: 5, base: .milliseconds(100), cap: .seconds(1))
        #expect((0..<6).map { policy.ceiling(attempt: $0).milliseconds } == [100, 200, 400, 800, 1000, 1000])
        #expect(policy.ceiling(attempt: 10_000) == .seconds(1))
    }

    /// Full jitter: every wait is within 0...ceiling, and a seed reproduces the sequence.
    @Test func fullJitterWithinBoundsAndSeeded() {
        let policy = SSHRetryPolicy(maxAttempts: 10, base: .milliseconds(250), cap: .seconds(4))
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
        let policy = SSHRetryPolicy(maxAttempts: 3)
        #expect(policy.shouldRetry(afterAttempt: 0))
        #expect(policy.shouldRetry(afterAttempt: 1))
        #expect(!policy.shouldRetry(afterAttempt: 2))
        #expect(!SSHRetryPolicy.none.shouldRetry(afterAttempt: 0))
        #expect(SSHRetryPolicy(maxAttempts: 0).maxAttempts == 1)
    }
}
