import GameDayCore

/// What the console's buttons do in the run that serves it. A console that follows a run started by another
/// process (`gameday console RUN_DIR`) has none: it is a read-only view.
public protocol ConsoleActions: Sendable {
    /// Journals an operator mark (detected, mitigated, note, runbook item done) made on the page.
    func mark(_ mark: OperatorMark) async
    /// Reverts everything now and ends the run, exactly as SIGINT does (exit 3); `by` says who, for the journal.
    func abort(by name: String, role: ConsoleRole) async
}
