import GameDayCore

/// Which phase was in force at a given moment of a run, from its `phase` events.
///
/// A sample belongs to the phase in force at its `t`; a phase that starts at the very millisecond of a sample
/// already counts. Before the first `phase` event the run is in its baseline.
public struct PhaseClock: Sendable, Equatable {
    /// Phase changes ordered by time (journal order breaks ties).
    public private(set) var changes: [(t: Int64, phase: Phase)]

    public init(events: [JournalEvent]) {
        var changes: [(t: Int64, phase: Phase)] = []
        for event in events {
            if case .phase(let change) = event.body { changes.append((event.t, change.phase)) }
        }
        self.init(changes: changes)
    }

    public init(changes: [(t: Int64, phase: Phase)]) {
        // A stable sort keeps journal order for changes in the same millisecond; the later one wins.
        self.changes = changes.enumerated()
            .sorted { $0.element.t != $1.element.t ? $0.element.t < $1.element.t : $0.offset < $1.offset }
            .map(\.element)
    }

    /// The phase in force at `t`.
    public func phase(at t: Int64) -> Phase {
        var low = 0, high = changes.count
        while low < high {
            let mid = (low + high) / 2
            if changes[mid].t <= t { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? .baseline : changes[low - 1].phase
    }

    /// Each phase's span `[from, to)` up to `end`, in order; a phase entered twice appears twice.
    public func spans(end: Int64) -> [(phase: Phase, from: Int64, to: Int64)] {
        var out: [(phase: Phase, from: Int64, to: Int64)] = []
        var current: (phase: Phase, from: Int64) = (.baseline, 0)
        for change in changes {
            if change.phase == current.phase { continue }
            if change.t > current.from { out.append((current.phase, current.from, change.t)) }
            current = (change.phase, change.t)
        }
        out.append((current.phase, current.from, max(end, current.from)))
        return out
    }

    public static func == (lhs: PhaseClock, rhs: PhaseClock) -> Bool {
        lhs.changes.elementsEqual(rhs.changes) { $0.t == $1.t && $0.phase == $1.phase }
    }
}
