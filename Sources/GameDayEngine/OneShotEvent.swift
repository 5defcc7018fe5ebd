import Foundation

/// Fires once; any number of tasks can wait for it, and waiting respects task cancellation.
public final class OneShotEvent: @unchecked Sendable {
    // Safe: `fired` and `waiters` are only touched under `lock`.
    private let lock = NSLock()
    private var fired = false
    private var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    private var nextID: UInt64 = 0

    public init() {}

    public var isFired: Bool { lock.withLock { fired } }

    public func fire() {
        let toResume: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !fired else { return [] }
            fired = true
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        toResume.forEach { $0.resume() }
    }

    /// Returns when the event fires or the task is cancelled.
    public func wait() async {
        let id: UInt64 = lock.withLock { nextID += 1; return nextID }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if fired || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = lock.withLock { waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
