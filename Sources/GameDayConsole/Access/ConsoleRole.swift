/// Who is looking at the console, decided by the token their link carries.
public enum ConsoleRole: String, Sendable, CaseIterable, Codable {
    /// Runs the exercise: marks, notes, and "Abort: revert everything now".
    case facilitator
    /// Works the incident: marks, notes, runbook items.
    case participant
    /// Watches and takes notes on paper: read-only.
    case observer

    /// Whether this role may put operator marks (detected, mitigated, note, runbook item done) in the journal.
    public var canMark: Bool { self != .observer }
    /// Whether this role may abort the run.
    public var canAbort: Bool { self == .facilitator }
}
