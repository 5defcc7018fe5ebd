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
        journals each revert and re-renders the postmortem. Runs still in progress (their lock is held) are left \
        alone. Exit 0 when nothing is left applied, 4 when a fault could not be reverted.
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

    func run() async throws {
        guard let deadline = TimeSpan(parsing: revertDeadline), deadline.milliseconds > 0 else {
            throw ValidationError("--revert-deadline must be a duration such as 30s")
        }
        let logger = Logger(label: "gameday.recover")
        let directories: [RunDirectory]
        if runs.isEmpty {
            let url = URL(fileURLWithPath: runsDir, isDirectory: true)
            guard FileManager.default.fileExists(atPath: url.path) else {
                Console.err("gameday recover: no runs directory at \(runsDir); nothing to recover")
                return
            }
            directories = try RunDirectory.list(in: url)
        } else {
            directories = runs.map { RunDirectory(url: URL(fileURLWithPath: $0, isDirectory: true)) }
        }
        let executors = ExecutorCatalog(runID: "recover", logger: logger)
        let catalog = InjectorCatalog(executors: executors, logger: logger)
        let reverter = CompositeReverter(executors: executors.provider, proxy: catalog.proxyReverter, remote: catalog.remoteReverter)
        var failed = 0, reverted = 0, examined = 0
        for directory in directories {
            guard FileManager.default.fileExists(atPath: directory.journalURL.path) else { continue }
            if RunLock.isHeld(directory: directory.url) {
                Console.err("\(directory.id): in progress (locked by a running gameday); skipped")
                continue
            }
            examined += 1
            let result = try await recover(directory, reverter: reverter, deadline: deadline)
            failed += result.failed; reverted += result.reverted
        }
        await executors.close()
        Console.err("gameday recover: examined \(examined) run(s); reverted \(reverted) fault(s); \(failed) still active")
        if failed > 0 { throw ExitCode(ExitCodes.revertFailed) }
    }

    private func recover(_ directory: RunDirectory, reverter: any FaultReverter, deadline: TimeSpan) async throws -> (reverted: Int, failed: Int) {
        let contents = try JournalReader.read(url: directory.journalURL)
        let open = OpenFaults(events: contents.events)
        if open.isEmpty && open.hasRunEnd { return (0, 0) }
        if dryRun {
            for fault in open.faults {  // already newest first
                Console.out("\(directory.id): would revert \(fault.faultID) (\(fault.fault) on \(fault.target)): \(fault.manualInstructions)")
            }
            if !open.hasRunEnd { Console.out("\(directory.id): would close the journal (no run.end)") }
            return (0, 0)
        }
        let lock = try RunLock(directory: directory.url)
        defer { lock.release() }
        let writer = try JournalWriter(url: directory.journalURL)
        defer { writer.close() }
        let first = contents.events.first
        let clock = ResumedRunClock(runStartWall: (first?.wall ?? 0) - (first?.t ?? 0))
        let recorder = SequencedRecorder(clock: clock, startingAfter: contents.events.last?.seq ?? 0) { event, sync in
            try writer.append(event, sync: sync)
        }
        if contents.tornTail { Console.err("\(directory.id): the journal's last line was torn (the controller died mid-write)") }
        var reverted = 0, failed = 0
        for fault in open.faults {  // already newest first
            Console.err("\(directory.id): reverting \(fault.faultID) (\(fault.fault) on \(fault.target))")
            if try await revert(fault, reverter: reverter, recorder: recorder, clock: clock, deadline: deadline) {
                reverted += 1
            } else {
                failed += 1
                Console.err("\(directory.id): FAULT STILL ACTIVE: \(fault.faultID); finish by hand: \(fault.manualInstructions)")
            }
        }
        if !open.hasRunEnd {
            try await recorder.record(.runEnd(RunEnd(status: .failed,
                reason: "the controller stopped before the run finished; gameday recover reverted what it left applied",
                stillActive: failed > 0 ? open.faults.map(\.faultID) : [])))
        }
        let after = try JournalReader.read(url: directory.journalURL)
        let markdown = Postmortem.render(after.events, integrity: JournalIntegrity(tornTail: after.tornTail, skippedLines: after.skippedLines))
        try Data(markdown.utf8).write(to: directory.postmortemURL, options: .atomic)
        Console.out(directory.postmortemURL.path)
        return (reverted, failed)
    }

    private func revert(_ fault: OpenFaults.Fault, reverter: any FaultReverter, recorder: SequencedRecorder,
                        clock: ResumedRunClock, deadline: TimeSpan) async throws -> Bool {
        let start = ContinuousClock.now
        var attempt = 1
        var generator = SeededGenerator(seed: UInt64(fault.injectSeq))
        while true {
            try await recorder.record(.revertBegin(RevertBegin(faultID: fault.faultID, reason: .recover, attempt: attempt)))
            do {
                let detail = try await reverter.revert(fault.recipe)
                try await recorder.record(.revertEnd(FaultOutcome(faultID: fault.faultID, ok: true, detail: detail)))
                return true
            } catch {
                let elapsed = TimeSpan(ContinuousClock.now - start)
                if elapsed >= deadline {
                    try await recorder.record(.revertEnd(FaultOutcome(faultID: fault.faultID, ok: false,
                        error: "gave up after \(attempt) attempt(s): \(error)", manual: fault.manualInstructions)))
                    return false
                }
                try await recorder.record(.revertEnd(FaultOutcome(faultID: fault.faultID, ok: false, error: "attempt \(attempt) failed, retrying: \(error)")))
                let ceiling = min(5000, 250 << min(attempt, 10))
                try await Task.sleep(for: .milliseconds(Int(generator.next() % UInt64(ceiling + 1))))
                attempt += 1
            }
        }
    }
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
