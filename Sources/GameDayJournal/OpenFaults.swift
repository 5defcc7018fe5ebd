import GameDayCore

/// The faults a run applied and did not put back, worked out from its journal alone: the open entries of its
/// `FaultLedger` (see there for the rules), newest first — the order `gameday recover` reverts them in
/// (invariant 2).
public struct OpenFaults: Sendable, Equatable {
    /// One applied fault that is still to be reverted: a view of its ledger entry (`fault.faultID`,
    /// `fault.recipe` ... come from its `inject.begin`).
    @dynamicMemberLookup
    public struct Fault: Sendable, Equatable {
        public var entry: FaultLedger.Entry

        public subscript<T>(dynamicMember keyPath: KeyPath<InjectBegin, T>) -> T { entry.begin[keyPath: keyPath] }

        /// The `seq` of its `inject.begin`.
        public var injectSeq: Int { entry.beginSeq }
        /// The error of its last failed revert, if a revert was tried.
        public var lastRevertError: String? { entry.revertError }
        /// What to run by hand: the last failed revert's advice, else the recipe's.
        public var manualInstructions: String { entry.manualInstructions ?? entry.recipe.manualInstructions }
    }

    /// Open faults, newest first.
    public var faults: [Fault]
    /// Whether the journal has a `run.end` (the controller finished, even if a revert gave up).
    public var hasRunEnd: Bool
    /// The run's id from `run.start`, if the journal has one.
    public var runID: String?

    public var isEmpty: Bool { faults.isEmpty }

    public init(ledger: FaultLedger) {
        faults = ledger.open.map(Fault.init(entry:))
        hasRunEnd = ledger.hasRunEnd
        runID = ledger.runID
    }

    public init(events: [JournalEvent]) { self.init(ledger: FaultLedger(events: events)) }
}
