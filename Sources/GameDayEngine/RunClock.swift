import Foundation
import GameDayCore

/// The runner's notion of time: an offset since the run started (monotonic) and the wall clock beside it.
public protocol RunClock: Sendable {
    /// Time since the run started.
    func now() -> TimeSpan
    /// Wall-clock time in Unix milliseconds.
    func wallMillis() -> Int64
    /// Sleeps until the run offset `t`; throws `CancellationError` if the task is cancelled.
    func sleep(until t: TimeSpan) async throws
}

/// The real clock: `ContinuousClock` for offsets, the system clock for wall time.
public struct SystemRunClock: RunClock {
    private let start: ContinuousClock.Instant
    private let clock = ContinuousClock()

    public init() { start = clock.now }

    public func now() -> TimeSpan { TimeSpan(clock.now - start) }
    public func wallMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    public func sleep(until t: TimeSpan) async throws {
        try await clock.sleep(until: start + t.duration, tolerance: .milliseconds(5))
    }
}

/// A clock tests move by hand: sleepers wake when `advance` passes their deadline.
public final class ManualRunClock: RunClock, @unchecked Sendable {
    // Safe: all state is guarded by `lock`.
    private let lock = NSLock()
    private var current = TimeSpan.zero
    private let wallStart: Int64
    private var sleepers: [(id: UInt64, deadline: TimeSpan, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    public init(wallStart: Int64 = 1_800_000_000_000) { self.wallStart = wallStart }

    public func now() -> TimeSpan { lock.withLock { current } }
    public func wallMillis() -> Int64 { lock.withLock { wallStart + current.milliseconds } }

    /// The number of tasks currently sleeping on this clock.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    public func advance(by span: TimeSpan) {
        let due: [CheckedContinuation<Void, any Error>] = lock.withLock {
            current = current + span
            let ready = sleepers.filter { $0.deadline <= current }
            sleepers.removeAll { $0.deadline <= current }
            return ready.map(\.continuation)
        }
        due.forEach { $0.resume() }
    }

    public func sleep(until t: TimeSpan) async throws {
        let id: UInt64 = lock.withLock { nextID += 1; return nextID }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = lock.withLock {
                    if t <= current || Task.isCancelled { return true }
                    sleepers.append((id, t, continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let cancelled: CheckedContinuation<Void, any Error>? = lock.withLock {
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return sleepers.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }
}
