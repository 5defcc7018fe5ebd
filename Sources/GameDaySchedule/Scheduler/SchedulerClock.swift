import Foundation

/// Wall-clock time for the scheduler, injected so that logic and tests never read the real clock themselves.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Sleeps until `date` (or returns early when cancelled).
    func sleep(until date: Date) async throws
}

/// The system's wall clock.
public struct SystemSchedulerClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until date: Date) async throws {
        let seconds = date.timeIntervalSinceNow
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64((seconds * 1000).rounded(.up)))) }
    }
}
