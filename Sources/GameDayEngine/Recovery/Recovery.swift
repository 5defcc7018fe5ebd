import GameDayCore

/// The one revert loop: reverts a fault through a reverter, retrying as a `BackoffPolicy` allows, and journals every
/// attempt (`revert.begin`, then `revert.end` ok, failed-and-retrying, or given up with what to run by hand).
///
/// Used by the runner on every way out of the chaos and by `gameday recover` (which the scheduler runs after a
/// controller died) on the open faults of a journal's `FaultLedger`. Retries go on to the deadline even when the
/// task is cancelled: a revert is never abandoned half-way (invariant 2).
public struct Recovery: Sendable {
    /// How one fault's revert ended.
    public enum Outcome: Sendable, Equatable {
        /// Reverted; the reverter's detail.
        case reverted(detail: String?)
        /// Every attempt failed until the deadline: the fault may still be active.
        case stillActive(error: String)
    }

    /// What `revertOpen` is doing, for the caller to tell the operator.
    public enum Progress: Sendable {
        case reverting(FaultLedger.Entry)
        case finished(FaultLedger.Entry, Outcome)
    }

    public let reverter: any FaultReverter
    public let clock: any RunClock
    public let backoff: BackoffPolicy
    public let jitter: Jitter

    public init(reverter: any FaultReverter, clock: any RunClock, backoff: BackoffPolicy, jitter: Jitter = Jitter()) {
        self.reverter = reverter; self.clock = clock; self.backoff = backoff; self.jitter = jitter
    }

    /// Reverts one fault, journaling each attempt with `record`.
    /// - Parameter manual: what to run by hand if every attempt fails (journaled in the last `revert.end`).
    public func revert(faultID: String, recipe: RevertRecipe, manual: String, reason: RevertBegin.Reason,
                       isolation: isolated (any Actor)? = #isolation,
                       record: (EventBody) async -> Void) async -> Outcome {
        do {
            let detail = try await retrying(backoff, clock: clock, jitter: jitter, keepsTryingWhenCancelled: true,
                                            onRetry: { failure in
                await record(.revertEnd(FaultOutcome(faultID: faultID, ok: false,
                                                     error: "attempt \(failure.attempt + 1) failed, retrying: \(failure.error)")))
            }) { attempt in
                await record(.revertBegin(RevertBegin(faultID: faultID, reason: reason, attempt: attempt + 1)))
                return try await reverter.revert(recipe)
            }
            await record(.revertEnd(FaultOutcome(faultID: faultID, ok: true, detail: detail)))
            return .reverted(detail: detail)
        } catch {
            let last = (error as? RetriesExhausted)?.last ?? error
            await record(.revertEnd(FaultOutcome(faultID: faultID, ok: false, error: "\(error)", manual: manual)))
            return .stillActive(error: "\(last)")
        }
    }

    /// Reverts one fault of a ledger (its recipe; by hand: its manual advice).
    public func revert(_ entry: FaultLedger.Entry, reason: RevertBegin.Reason,
                       isolation: isolated (any Actor)? = #isolation,
                       record: (EventBody) async -> Void) async -> Outcome {
        await revert(faultID: entry.faultID, recipe: entry.recipe,
                     manual: entry.manualInstructions ?? entry.recipe.manualInstructions, reason: reason, record: record)
    }

    /// Reverts every open fault of `ledger`, newest first, one after the other.
    /// - Returns: the ids of the faults that may still be active, newest first.
    public func revertOpen(_ ledger: FaultLedger, reason: RevertBegin.Reason,
                           isolation: isolated (any Actor)? = #isolation,
                           record: (EventBody) async -> Void,
                           progress: (Progress) -> Void = { _ in }) async -> [String] {
        var stillActive: [String] = []
        for entry in ledger.open {
            progress(.reverting(entry))
            let outcome = await revert(entry, reason: reason, record: record)
            if case .stillActive = outcome { stillActive.append(entry.faultID) }
            progress(.finished(entry, outcome))
        }
        return stillActive
    }
}
