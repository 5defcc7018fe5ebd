/// Decides when each health check probes: on fixed slots, without drift, never two probes of a check at once.
///
/// Check `k`'s `n`-th slot is at `firstSlot[k] + n * interval[k]`, where the first slots are spread evenly over a
/// short stagger window so many checks do not all fire in the same millisecond. Slots are computed from the origin,
/// never from when the previous probe ran, so a slow loop iteration does not push later probes back. When a slot comes
/// while that check's previous probe still runs, the slot is skipped; when the loop was late past several slots, only
/// the latest is probed (no burst of catch-up probes).
///
/// Times are nanoseconds on any monotonic clock; the struct holds no clock itself, so it is tested without sleeping.
struct ProbeScheduleStateMachine: Sendable {
    /// What the driver must do now.
    enum Action: Equatable, Sendable {
        /// Start a probe of check `check` (its slot `slot`).
        case start(check: Int, slot: Int64)
        /// `count` slots of check `check` passed without a probe (the previous probe was still running, or the loop
        /// was late).
        case skip(check: Int, count: Int64)
    }

    private struct Check: Sendable {
        let interval: Int64
        let firstSlotAt: Int64
        /// Index of the next slot not yet started or skipped.
        var nextSlot: Int64 = 0
        var running = false
        var skipped: Int64 = 0

        func time(ofSlot slot: Int64) -> Int64 { firstSlotAt + slot * interval }
    }

    private var checks: [Check]

    /// - Parameters:
    ///   - intervals: each check's interval in nanoseconds; each must be positive.
    ///   - origin: the time of the first check's first slot.
    ///   - staggerWindow: first slots are spread over `min(staggerWindow, interval)` after `origin`.
    init(intervals: [Int64], origin: Int64, staggerWindow: Int64) {
        let count = Int64(max(intervals.count, 1))
        checks = intervals.enumerated().map { index, interval in
            precondition(interval > 0, "intervals are validated positive before scheduling")
            let window = max(0, min(staggerWindow, interval))
            return Check(interval: interval, firstSlotAt: origin + window * Int64(index) / count)
        }
    }

    /// Starts every check whose slot has come, skipping slots of checks that are still running.
    mutating func tick(now: Int64) -> [Action] {
        var actions: [Action] = []
        for index in checks.indices where checks[index].time(ofSlot: checks[index].nextSlot) <= now {
            let check = checks[index]
            // The latest slot at or before `now`; every slot from nextSlot to it is due.
            let latest = (now - check.firstSlotAt) / check.interval
            if check.running {
                let count = latest - check.nextSlot + 1
                checks[index].skipped += count
                actions.append(.skip(check: index, count: count))
            } else {
                let missed = latest - check.nextSlot
                if missed > 0 {
                    checks[index].skipped += missed
                    actions.append(.skip(check: index, count: missed))
                }
                checks[index].running = true
                actions.append(.start(check: index, slot: latest))
            }
            checks[index].nextSlot = latest + 1
        }
        return actions
    }

    /// Records that check `check`'s probe finished, so its next slot may start it again.
    mutating func finished(check: Int) {
        checks[check].running = false
    }

    /// The earliest time a slot comes due, or nil when there are no checks.
    var nextDeadline: Int64? {
        checks.lazy.map { $0.time(ofSlot: $0.nextSlot) }.min()
    }

    /// Whether check `check` has a probe in flight.
    func isRunning(_ check: Int) -> Bool { checks[check].running }

    /// How many slots of check `check` have been skipped so far.
    func skippedSlots(_ check: Int) -> Int64 { checks[check].skipped }
}
