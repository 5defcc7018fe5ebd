import ArgumentParser
import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import GameDayJournal
import GameDayReport
import Logging

struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Revert what unfinished runs left applied, from their journals alone.",
        discussion: """
        Scans the runs directory (or the given run directories) for runs whose journal shows faults that were \
        applied and never reverted — e.g. after the controller was killed with SIGKILL — reverts them newest first, \
        journals each revert and re-renders the postmortem. Each run's lock is taken before its journal is read, so a \
        run still in progress (or being recovered by another process) is never touched: it is skipped and said so. \
        When a journal cannot be appended (a full or read-only disk), the faults are reverted anyway and stderr says \
        loudly that the journal still shows them open.
        Exit: 0 nothing is left applied; 4 a fault may still be active (a revert failed, a journal could not be read \
        or appended, or the postmortem could not be written); 5 a run was skipped because another gameday process \
        holds its lock (try again when it ends). 4 wins over 5.
        """
    )

    @Option(name: .customLong("runs-dir"), help: "The runs directory to scan.")
    var runsDir = "runs"

    @Argument(help: "Specific run directories (default: every run under --runs-dir).", completion: .directory)
    var runs: [String] = []

    @Option(name: .customLong("revert-deadline"), help: "How long a failing revert is retried before giving up.")
    var revertDeadline = "30s"

    @Flag(name: .customLong("dry-run"), help: "Only list what would be reverted.")
    var dryRun = false

    @Option(name: .customLong("store"), help: "Read the runs from the journals mirrored into this scheduler store (postgres://USER@HOST:PORT/DB); the arguments are then decision ids.")
    var store: String?

    /// What recovering one run came to.
    private struct Tally {
        var reverted = 0
        /// Faults that may still be active.
        var failed = 0
        /// The run's record could not be read or written; its faults may still be active as far as anyone can tell.
        var recordProblem = false
    }

    func run() async throws {
        guard let deadline = TimeSpan(parsing: revertDeadline), deadline.milliseconds > 0 else {
            throw ValidationError("--revert-deadline must be a duration such as 30s")
        }
        let logger = Logger(label: "gameday.recover")
        if let store { return try await recoverFromStore(store, deadline: deadline, logger: logger) }
        let directories: [RunDirectory]
        if runs.isEmpty {
            let url = URL(fileURLWithPath: runsDir, isDirectory: true)
            guard FileManager.default.fileExists(atPath: url.path) else {
                Console.err("gameday recover: no runs directory at \(runsDir); nothing to recover")
                return
            }
            do {
                directories = try RunDirectory.list(in: url)
            } catch {
                // Runs that cannot be listed cannot be checked: as far as anyone can tell, a fault may be active.
                Console.err("gameday recover: FAULTS MAY STILL BE ACTIVE: cannot list the runs in \(runsDir): \(error)")
                throw ExitCode(ExitCodes.revertFailed)
            }
        } else {
            directories = runs.map { RunDirectory(url: URL(fileURLWithPath: $0, isDirectory: true)) }
        }
        let executors = ExecutorCatalog(runID: "recover", logger: logger)
        let catalog = InjectorCatalog(executors: executors, logger: logger)
        let reverter = CompositeReverter(executors: executors.provider, proxy: catalog.proxyReverter, remote: catalog.remoteReverter)
        var failed = 0, reverted = 0, examined = 0, skipped = 0, recordProblems = 0
        for directory in directories {
            guard FileManager.default.fileExists(atPath: directory.journalURL.path) else {
                if !runs.isEmpty { Console.err("\(directory.id): no journal.jsonl in \(directory.url.path); nothing to recover there") }
                continue
            }
            // The lock first, then the journal: between a check and a later lock, a run could start or end (or a
            // second recover could revert and append), and this process would act on a stale reading.
            let lock: RunLock?
            do {
                lock = try RunLock.acquire(directory: directory.url)
            } catch {
                Console.err("\(directory.id): \(error); skipped")
                recordProblems += 1
                continue
            }
            guard let lock else {
                Console.err("\(directory.id): skipped: another gameday process holds its lock (a run in progress, or another recover); try again when it ends")
                skipped += 1
                continue
            }
            defer { lock.release() }
            examined += 1
            let tally = await recover(directory, reverter: reverter, deadline: deadline)
            failed += tally.failed; reverted += tally.reverted
            if tally.recordProblem { recordProblems += 1 }
        }
        await executors.close()
        Console.err("gameday recover: examined \(examined) run(s); reverted \(reverted) fault(s); \(failed) still active"
                    + (skipped > 0 ? "; \(skipped) run(s) skipped (locked)" : "")
                    + (recordProblems > 0 ? "; \(recordProblems) run(s) whose journal or postmortem could not be read or written" : ""))
        if failed > 0 || recordProblems > 0 { throw ExitCode(ExitCodes.revertFailed) }
        if skipped > 0 { throw ExitCode(ExitCodes.skippedLocked) }
    }

    /// Recovers one run whose lock this process holds. Never throws: every problem is said on stderr and counted.
    private func recover(_ directory: RunDirectory, reverter: any FaultReverter, deadline: TimeSpan) async -> Tally {
        let contents: JournalContents
        do {
            contents = try JournalReader.read(url: directory.journalURL)
        } catch {
            Console.err("\(directory.id): FAULTS MAY STILL BE ACTIVE: cannot read its journal: \(error)")
            return Tally(recordProblem: true)
        }
        let ledger = FaultLedger(events: contents.events)
        let open = ledger.open  // newest first
        if open.isEmpty && ledger.hasRunEnd { return Tally() }
        if dryRun {
            for fault in open {
                Console.out("\(directory.id): would revert \(fault.faultID) (\(fault.fault) on \(fault.target)): \(fault.manualInstructions ?? fault.recipe.manualInstructions)")
            }
            if !ledger.hasRunEnd { Console.out("\(directory.id): would close the journal (no run.end)") }
            return Tally()
        }
        if contents.tornTail { Console.err("\(directory.id): the journal's last line was torn (the controller died mid-write)") }
        let journal = RecoverJournal(directory: directory, lastSeq: contents.events.last?.seq ?? 0,
                                     runStartWall: (contents.events.first?.wall ?? 0) - (contents.events.first?.t ?? 0))
        let recovery = Recovery(reverter: reverter, clock: SystemRunClock(),
                                backoff: .until(deadline, base: .milliseconds(250), cap: .seconds(5)))
        let stillActive = await recovery.revertOpen(ledger, reason: .recover, record: { await journal.record($0) }) { progress in
            switch progress {
            case .reverting(let fault):
                Console.err("\(directory.id): reverting \(fault.faultID) (\(fault.fault) on \(fault.target))")
            case .finished(let fault, .stillActive):
                Console.err("\(directory.id): FAULT STILL ACTIVE: \(fault.faultID); finish by hand: \(fault.manualInstructions ?? fault.recipe.manualInstructions)")
            case .finished:
                break
            }
        }
        var tally = Tally(reverted: open.count - stillActive.count, failed: stillActive.count)
        if !ledger.hasRunEnd {
            await journal.record(.runEnd(RunEnd(status: .failed,
                reason: "the controller stopped before the run finished; gameday recover reverted what it left applied",
                stillActive: tally.failed > 0 ? open.map(\.faultID) : [])))
        }
        journal.close()
        if let problem = journal.problem {
            tally.recordProblem = true
            Console.err("\(directory.id): WARNING: the journal could not be appended (\(problem)); the reverts above happened but are not in it, "
                        + "so it still shows \(open.count) fault(s) open. Free space (or make it writable) and run `gameday recover \(directory.url.path)` again to close it (the reverts are harmless to repeat).")
            return tally
        }
        do {
            let after = try JournalReader.read(url: directory.journalURL)
            let markdown = directory.postmortem(of: after)
            try Data(markdown.utf8).write(to: directory.postmortemURL, options: .atomic)
            directory.writeChartsOrWarn(of: after)
            Console.out(directory.postmortemURL.path)
        } catch {
            tally.recordProblem = true
            Console.err("\(directory.id): cannot write the postmortem: \(error); run `gameday report \(directory.url.path)` once that is fixed")
        }
        return tally
    }
}

/// Appends `recover`'s events to a run's journal, continuing its sequence and clock. A journal that cannot be
/// opened or appended (a full or read-only disk) does not stop the reverts: the first problem is kept, later
/// events are dropped (a gap in the sequence would be worse), and the caller says so loudly.
final class RecoverJournal: @unchecked Sendable {
    // Safe: used by one task at a time (recover reverts one fault after another); `recorder` is an actor.
    private let writer: JournalWriter?
    private let recorder: SequencedRecorder?
    private(set) var problem: String?

    init(directory: RunDirectory, lastSeq: Int, runStartWall: Int64) {
        do {
            let writer = try JournalWriter(url: directory.journalURL)
            self.writer = writer
            recorder = SequencedRecorder(clock: ResumedRunClock(runStartWall: runStartWall), startingAfter: lastSeq) { event, sync in
                try writer.append(event, sync: sync)
            }
        } catch {
            writer = nil
            recorder = nil
            problem = "\(error)"
        }
    }

    func record(_ body: EventBody) async {
        guard problem == nil, let recorder else { return }
        do {
            try await recorder.record(body)
        } catch {
            problem = "\(error)"
        }
    }

    func close() { writer?.close() }
}

/// Continues a run's clock in a later process: offsets are wall-clock time since the run started (the monotonic
/// clock of the dead controller is gone).
struct ResumedRunClock: RunClock {
    let runStartWall: Int64

    func now() -> TimeSpan { TimeSpan(milliseconds: max(0, wallMillis() - runStartWall)) }
    func wallMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    func sleep(until t: TimeSpan) async throws {
        let delta = t.milliseconds - now().milliseconds
        if delta > 0 { try await Task.sleep(for: .milliseconds(delta)) }
    }
}
