import Foundation
import GameDayCore
import GameDayJournal
import GameDayCalendar

/// Follows a run's journal (`journal.jsonl`) the way the scheduler needs it: which faults are applied right now and
/// whether the run ended. It decodes with the project's journal reader and feeds the events to a `FaultLedger`, the
/// one definition of an open fault that `gameday recover` and the postmortem use too.
///
/// It reads only what it has not read yet, in bounded chunks, and keeps only the ledger (one entry per fault; probe
/// samples, nearly all of a long run's journal, are dropped as they are read): a journal of any length is read to
/// its end — its tail included — in bounded memory. A line still being written is left for the
/// next read; once the run is over, `readToEnd` treats an undecodable last line as torn (ignored).
public struct JournalFollower: Sendable {
    private var file: AppendedLines
    /// The faults and the run's end, as read so far.
    public private(set) var ledger = FaultLedger()

    public var path: String { file.path }
    /// Whether the journal file existed at the last read.
    public var exists: Bool { file.exists }

    public init(path: String) { file = AppendedLines(path: path) }

    /// Follows `RUN_DIR/journal.jsonl` (the path normalised, so followers of one run compare equal).
    public init(runDir: String) {
        self.init(path: URL(fileURLWithPath: runDir).standardizedFileURL.appendingPathComponent("journal.jsonl").path)
    }

    /// Reads what was appended since the last call, at most `maxBytes` (bounded work per call).
    /// - Returns: whether the end of the file was reached.
    @discardableResult
    public mutating func advance(maxBytes: Int = 16 << 20) -> Bool {
        let read = file.read(maxBytes: maxBytes)
        if read.restarted { ledger = FaultLedger() }  // replaced by a shorter file: start over
        if !read.text.isEmpty { keep(JournalReader.decode(read.text).events) }
        return read.reachedEnd
    }

    /// Reads the journal to its end, when its writer is gone: a last line without a newline is decoded if it can
    /// be, else dropped as torn.
    public mutating func readToEnd() {
        while !advance() {}
        let rest = file.takePending()
        if !rest.isEmpty { keep(JournalReader.decode(rest).events) }
    }

    /// The faults applied and not reverted, per the journal (newest first).
    public var openFaults: OpenFaults { OpenFaults(ledger: ledger) }

    /// The run's `run.end`, if the journal has one.
    public var runEnd: RunEnd? { ledger.runEnd }

    private mutating func keep(_ events: [JournalEvent]) {
        for event in events { ledger.apply(event) }
    }
}

/// What the scheduler reads from run journals.
public enum JournalInspector {
    /// The run directories (folders holding `journal.jsonl`) inside a decision's runs folder, oldest first.
    public static func runDirectories(in runsDir: String) -> [String] {
        ((try? RunDirectory.list(in: URL(fileURLWithPath: runsDir, isDirectory: true))) ?? []).map(\.url.path)
    }

    /// What a decision's runs folder says about its run (its newest run directory).
    public static func state(ofRunsDir runsDir: String) -> (JournalState, runDir: String?) {
        guard let runDir = runDirectories(in: runsDir).last else { return (.noRun, nil) }
        return (state(ofJournal: URL(fileURLWithPath: runDir).appendingPathComponent("journal.jsonl").path), runDir)
    }

    /// Whether a journal holds `run.end`, with its status and the faults still open (read to the end).
    public static func state(ofJournal path: String) -> JournalState {
        var follower = JournalFollower(path: path)
        follower.readToEnd()
        return state(of: follower)
    }

    /// The state a follower has read so far.
    public static func state(of follower: JournalFollower) -> JournalState {
        guard follower.exists else { return .noRun }
        guard let end = follower.runEnd else { return .unfinished }
        return .finished(status: end.status.rawValue, stillActive: follower.ledger.open.map(\.faultID))
    }

    /// The number of faults a journal shows applied and not reverted.
    public static func activeFaults(journal path: String) -> Int {
        var follower = JournalFollower(path: path)
        follower.readToEnd()
        return follower.ledger.open.count
    }
}
