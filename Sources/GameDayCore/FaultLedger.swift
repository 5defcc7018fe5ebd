/// What a run's journal says about each fault it touched: the one definition of "open fault".
///
/// Built from `inject.begin`, `inject.end`, `revert.begin` and `revert.end` (plus `run.start` and `run.end`), in
/// journal order. A fault is open when its `inject.begin` has no successful `revert.end` after it, whatever happened
/// to the inject itself (a failed inject may have half-applied, and reverts are idempotent). A fault whose recipe is
/// `.nothing` (e.g. SIGKILL, where the supervisor restarts the service) is never open: there is nothing to revert.
/// `gameday recover`, the postmortem and the scheduler all read faults through this type.
public struct FaultLedger: Sendable, Equatable {
    /// One fault (one target of one step): its `inject.begin`, reachable as `entry.faultID`, `entry.recipe` ...,
    /// and what the journal says happened to it since.
    @dynamicMemberLookup
    public struct Entry: Sendable, Equatable {
        /// Where the fault's revert stands (the words the postmortem prints).
        public enum Status: String, Sendable, Equatable {
            /// A revert succeeded.
            case ok
            /// The recipe is `.nothing` (e.g. SIGKILL: the supervisor's restart is what gets measured).
            case notNeeded
            /// Reverts were tried and the last one failed.
            case failed
            /// No revert finished (none was tried, or the controller stopped first).
            case stillActive
        }

        public var begin: InjectBegin
        /// The `seq`, `t` and `wall` of its `inject.begin`.
        public var beginSeq: Int
        public var beginT: Int64
        public var beginWall: Int64
        /// When the inject finished successfully.
        public var injectedT: Int64?
        public var injectDetail: String?
        public var injectError: String?
        /// When the successful revert finished.
        public var revertedT: Int64?
        public var revertedWall: Int64?
        public var revertDetail: String?
        /// Why the first revert was started.
        public var revertReason: RevertBegin.Reason?
        public var revertAttempts: Int
        /// The error of the last failed revert (nil once one succeeded).
        public var revertError: String?
        /// The advice the last failed revert that gave one journaled (`revert.end`'s `manual`).
        public var revertManual: String?
        public var status: Status

        public init(begin: InjectBegin, seq: Int, t: Int64, wall: Int64) {
            self.begin = begin; beginSeq = seq; beginT = t; beginWall = wall
            revertAttempts = 0
            if case .nothing = begin.recipe { status = .notNeeded } else { status = .stillActive }
        }

        public subscript<T>(dynamicMember keyPath: KeyPath<InjectBegin, T>) -> T { begin[keyPath: keyPath] }

        /// Whether the fault may still be applied.
        public var isOpen: Bool { status == .stillActive || status == .failed }

        /// Whether the fault may still be applied and its inject did not fail.
        public var isApplied: Bool { isOpen && injectError == nil }

        /// For a fault that may still be applied: what to run by hand (the last failed revert's advice, else the
        /// recipe's); nil otherwise.
        public var manualInstructions: String? { isOpen ? (revertManual ?? begin.recipe.manualInstructions) : nil }

        mutating func apply(_ event: JournalEvent) {
            switch event.body {
            case .injectEnd(let outcome):
                if outcome.ok { injectedT = event.t; injectDetail = outcome.detail } else { injectError = outcome.error ?? "failed" }
            case .revertBegin(let revert):
                if revertReason == nil { revertReason = revert.reason }
                revertAttempts = max(revertAttempts + 1, revert.attempt)
            case .revertEnd(let outcome):
                if outcome.ok {
                    revertedT = event.t
                    revertedWall = event.wall
                    revertDetail = outcome.detail
                    revertError = nil
                    revertManual = nil
                    if status != .notNeeded { status = .ok }
                } else {
                    revertError = outcome.error ?? "failed"
                    if let manual = outcome.manual { revertManual = manual }
                    if status != .notNeeded { status = .failed }
                }
            default:
                break
            }
        }
    }

    /// Every fault, in the order of their `inject.begin` (a repeated `inject.begin` for one id replaces the entry).
    public private(set) var entries: [Entry] = []
    /// The run's `run.end`, if the journal has one.
    public private(set) var runEnd: RunEnd?
    /// The run's id from `run.start`, if the journal has one.
    public private(set) var runID: String?
    private var index: [String: Int] = [:]

    public init() {}

    public init(events: some Sequence<JournalEvent>) {
        for event in events { apply(event) }
    }

    /// Takes one more journal event into account.
    public mutating func apply(_ event: JournalEvent) {
        switch event.body {
        case .runStart(let start):
            runID = start.runID
        case .injectBegin(let begin):
            let entry = Entry(begin: begin, seq: event.seq, t: event.t, wall: event.wall)
            if let i = index[begin.faultID] { entries[i] = entry } else { index[begin.faultID] = entries.count; entries.append(entry) }
        case .injectEnd(let outcome), .revertEnd(let outcome):
            if let i = index[outcome.faultID] { entries[i].apply(event) }
        case .revertBegin(let revert):
            if let i = index[revert.faultID] { entries[i].apply(event) }
        case .runEnd(let end):
            runEnd = end
        default:
            break
        }
    }

    /// Whether the journal has a `run.end` (the controller finished, even if a revert gave up).
    public var hasRunEnd: Bool { runEnd != nil }

    /// The faults that may still be applied, newest first (the order to revert them in: invariant 2).
    public var open: [Entry] { entries.filter(\.isOpen).sorted { $0.beginSeq > $1.beginSeq } }

    /// The entry of one fault.
    public subscript(faultID: String) -> Entry? { index[faultID].map { entries[$0] } }
}
