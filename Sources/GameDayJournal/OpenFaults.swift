import GameDayCore

/// The faults a run applied and did not put back, worked out from its journal alone.
///
/// A fault is open when its `inject.begin` has no successful `revert.end` after it, whatever happened to the inject
/// itself (a failed inject may have half-applied, and reverts are idempotent). Faults whose recipe is `.nothing`
/// (e.g. SIGKILL, where the supervisor restarts the service) are never open: there is nothing to revert.
/// `gameday recover` reverts `faults` in order, which is newest first (invariant 2).
public struct OpenFaults: Sendable, Equatable {
    /// One applied fault that is still to be reverted.
    public struct Fault: Sendable, Equatable {
        public var faultID: String
        public var step: String
        public var stepIndex: Int
        public var fault: String
        public var target: String
        public var description: String
        public var recipe: RevertRecipe
        /// The `seq` of its `inject.begin`.
        public var injectSeq: Int
        /// The error of its last failed revert, if a revert was tried.
        public var lastRevertError: String?
        /// What to run by hand: the last failed revert's advice, else the recipe's.
        public var manualInstructions: String
    }

    /// Open faults, newest first.
    public var faults: [Fault]
    /// Whether the journal has a `run.end` (the controller finished, even if a revert gave up).
    public var hasRunEnd: Bool
    /// The run's id from `run.start`, if the journal has one.
    public var runID: String?

    public var isEmpty: Bool { faults.isEmpty }

    public init(events: [JournalEvent]) {
        var open: [String: Fault] = [:]
        var order: [String] = []
        var hasRunEnd = false
        var runID: String?
        for event in events {
            switch event.body {
            case .runStart(let start):
                runID = start.runID
            case .injectBegin(let begin):
                if case .nothing = begin.recipe { open[begin.faultID] = nil; continue }
                if open[begin.faultID] == nil { order.append(begin.faultID) }
                open[begin.faultID] = Fault(
                    faultID: begin.faultID, step: begin.step, stepIndex: begin.stepIndex, fault: begin.fault,
                    target: begin.target, description: begin.description, recipe: begin.recipe,
                    injectSeq: event.seq, lastRevertError: nil, manualInstructions: begin.recipe.manualInstructions)
            case .revertEnd(let outcome):
                guard var fault = open[outcome.faultID] else { continue }
                if outcome.ok {
                    open[outcome.faultID] = nil
                } else {
                    fault.lastRevertError = outcome.error
                    if let manual = outcome.manual { fault.manualInstructions = manual }
                    open[outcome.faultID] = fault
                }
            case .runEnd:
                hasRunEnd = true
            default:
                break
            }
        }
        self.faults = order.compactMap { open[$0] }.sorted { $0.injectSeq > $1.injectSeq }
        self.hasRunEnd = hasRunEnd
        self.runID = runID
    }
}
