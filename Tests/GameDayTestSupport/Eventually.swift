/// Evaluates `condition` every `every` until it holds or `timeout` has passed; returns whether it held (checked once
/// more at the deadline). The one bounded wait the test suites share.
public func eventually(timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(50),
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
