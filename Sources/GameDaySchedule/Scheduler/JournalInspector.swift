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
    /// Bytes read per chunk.
    static let chunkBytes = 4 << 20

    public let path: String
    private var offset: UInt64 = 0
    private var partial = Data()
    /// The faults and the run's end, as read so far.
    public private(set) var ledger = FaultLedger()
    /// Whether the journal file existed at the last read.
    public private(set) var exists = false

    public init(path: String) { self.path = path }

    /// Follows `RUN_DIR/journal.jsonl` (the path normalised, so followers of one run compare equal).
    public init(runDir: String) {
        path = URL(fileURLWithPath: runDir).standardizedFileURL.appendingPathComponent("journal.jsonl").path
    }

    /// Reads what was appended since the last call, at most `maxBytes` (bounded work per call).
    /// - Returns: whether the end of the file was reached.
    @discardableResult
    public mutating func advance(maxBytes: Int = 16 << 20) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { exists = false; return true }
        exists = true
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            if size < offset { reset() }  // replaced by a shorter file: start over
            try handle.seek(toOffset: offset)
        } catch {
            return true
        }
        var budget = max(maxBytes, 1)
        while budget > 0 {
            guard let chunk = try? handle.read(upToCount: min(Self.chunkBytes, budget)), !chunk.isEmpty else { return true }
            offset += UInt64(chunk.count)
            budget -= chunk.count
            consume(chunk)
        }
        return false
    }

    /// Reads the journal to its end, when its writer is gone: a last line without a newline is decoded if it can
    /// be, else dropped as torn.
    public mutating func readToEnd() {
        while !advance() {}
        if !partial.isEmpty {
            keep(JournalReader.decode(partial).events)
            partial.removeAll()
        }
    }

    /// The faults applied and not reverted, per the journal (newest first).
    public var openFaults: OpenFaults { OpenFaults(ledger: ledger) }

    /// The run's `run.end`, if the journal has one.
    public var runEnd: RunEnd? { ledger.runEnd }

    private mutating func consume(_ chunk: Data) {
        guard let newline = chunk.lastIndex(of: UInt8(ascii: "\n")) else { partial.append(chunk); return }
        var complete = partial
        complete.append(chunk[chunk.startIndex...newline])
        partial = Data(chunk[chunk.index(after: newline)...])
        keep(JournalReader.decode(complete).events)
    }

    private mutating func keep(_ events: [JournalEvent]) {
        for event in events { ledger.apply(event) }
    }

    private mutating func reset() { offset = 0; partial.removeAll(); ledger = FaultLedger() }
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
