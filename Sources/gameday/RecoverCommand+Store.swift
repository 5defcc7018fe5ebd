import ArgumentParser
import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import GameDayJournal
import GameDaySchedule
import Logging

/// `gameday recover --store URL DECISION…`: the same recovery as for a run directory, from the journal a scheduled
/// run mirrored into the scheduler's PostgreSQL store (for a new leader that cannot read the dead leader's run
/// directory, or an operator). Reverts and the closing `run.end` are appended to the mirror, under the fencing token
/// in `GAMEDAY_JOURNAL_MIRROR_FENCE` (a leader's) or else the lease's current token (an operator's).
extension RecoverCommand {
    func recoverFromStore(_ url: String, deadline: TimeSpan, logger: Logger) async throws {
        let location: PostgresLocation
        do { location = try PostgresLocation(parsing: url) } catch {
            Console.err("gameday recover: error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
        guard !runs.isEmpty else {
            Console.err("gameday recover --store: name the decision id(s) whose run to recover (see `gameday schedule history`)")
            throw ExitCode(ExitCodes.invalid)
        }
        let executors = ExecutorCatalog(runID: "recover", logger: logger)
        let catalog = InjectorCatalog(executors: executors, logger: logger)
        let reverter = CompositeReverter(executors: executors.provider, proxy: catalog.proxyReverter, remote: catalog.remoteReverter)
        let here = ProcessInfo.processInfo.hostName
        let ids = runs
        let dryRun = self.dryRun
        let tally: (reverted: Int, failed: Int, problems: Int)
        do {
            tally = try await PostgresScheduleStore.withStore(location, logger: logger) { store in
                var reverted = 0, failed = 0, problems = 0
                for id in ids {
                    let run = try await store.mirroredRun(decisionID: id)
                    guard !run.contents.events.isEmpty else {
                        Console.err("\(id): no mirrored journal in \(location); nothing to recover there")
                        continue
                    }
                    let full = FaultLedger(events: run.contents.events)
                    if full.open.isEmpty && full.hasRunEnd { continue }
                    // A fault the run applied through its own machine (a local command, a signal to a local process)
                    // can only be reverted there: from another machine it is reported, never called reverted.
                    let elsewhere = run.host != here ? full.open.filter { Self.runsOnController($0.recipe) } : []
                    let skipped = Set(elsewhere.map(\.faultID))
                    let ledger = FaultLedger(events: run.contents.events.filter {
                        if case .injectBegin(let begin) = $0.body { return !skipped.contains(begin.faultID) }
                        return true
                    })
                    for fault in elsewhere {
                        Console.err("\(id): FAULT ON THE DEAD CONTROLLER'S MACHINE: \(fault.faultID) (\(fault.fault) on \(fault.target)) was applied on \(run.host), not here (\(here)): not reverted; its host-side lease reverts it, or on \(run.host): \(fault.manualInstructions ?? fault.recipe.manualInstructions)")
                    }
                    failed += elsewhere.count
                    if dryRun {
                        for fault in ledger.open {
                            Console.out("\(id): would revert \(fault.faultID) (\(fault.fault) on \(fault.target)): \(fault.manualInstructions ?? fault.recipe.manualInstructions)")
                        }
                        continue
                    }
                    let journal = await MirrorRecoverJournal.open(store: store, decisionID: id, contents: run.contents, logger: logger)
                    let recovery = Recovery(reverter: reverter, clock: SystemRunClock(),
                                            backoff: .until(deadline, base: .milliseconds(250), cap: .seconds(5)))
                    let stillActive = await recovery.revertOpen(ledger, reason: .recover, record: { await journal.record($0) }) { progress in
                        switch progress {
                        case .reverting(let fault): Console.err("\(id): reverting \(fault.faultID) (\(fault.fault) on \(fault.target))")
                        case .finished(let fault, .stillActive):
                            Console.err("\(id): FAULT STILL ACTIVE: \(fault.faultID); finish by hand: \(fault.manualInstructions ?? fault.recipe.manualInstructions)")
                        case .finished: break
                        }
                    }
                    reverted += ledger.open.count - stillActive.count
                    failed += stillActive.count
                    if !full.hasRunEnd {
                        let active = stillActive + elsewhere.map(\.faultID)
                        let why = elsewhere.isEmpty ? "" : "; \(elsewhere.count) fault(s) on the dead controller's machine \(run.host) were not reverted from \(here)"
                        await journal.record(.runEnd(RunEnd(status: .failed,
                            reason: "the controller stopped before the run finished; gameday recover reverted what it left applied from the mirrored journal" + why,
                            stillActive: active)))
                    }
                    journal.close()
                    if let problem = journal.problem {
                        problems += 1
                        Console.err("\(id): WARNING: the mirrored journal could not be appended (\(problem)); the reverts above happened but are not in it. Run `gameday recover --store \(location) \(id)` again once this replica may write (the reverts are harmless to repeat).")
                    }
                }
                return (reverted, failed, problems)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.err("gameday recover: FAULTS MAY STILL BE ACTIVE: cannot read the mirrored journals in \(location): \(error)")
            await executors.close()
            throw ExitCode(ExitCodes.revertFailed)
        }
        await executors.close()
        Console.err("gameday recover: examined \(ids.count) mirrored run(s); reverted \(tally.reverted) fault(s); \(tally.failed) still active"
                    + (tally.problems > 0 ? "; \(tally.problems) run(s) whose mirrored journal could not be appended" : ""))
        if tally.failed > 0 || tally.problems > 0 { throw ExitCode(ExitCodes.revertFailed) }
    }

    /// Whether a recipe's revert runs on the machine of the controller that applied it.
    static func runsOnController(_ recipe: RevertRecipe) -> Bool {
        switch recipe {
        case .nothing: return false
        case .signal(let signal): return signal.executor == .local
        case .command(let command): return command.executor == .local
        case .proxy(let proxy): return proxy.inProcess
        }
    }
}

/// Appends recover's events to a mirrored journal, continuing its sequence and clock, under a fencing token. As
/// with a run directory's journal, a mirror that cannot be written does not stop the reverts: the first problem is
/// kept and later events dropped.
final class MirrorRecoverJournal: @unchecked Sendable {
    // Safe: used by one task at a time (recover reverts one fault after another); `recorder` is an actor.
    private let mirror: JournalMirror?
    private let recorder: SequencedRecorder?
    private(set) var problem: String?

    private init(mirror: JournalMirror?, recorder: SequencedRecorder?, problem: String?) {
        self.mirror = mirror; self.recorder = recorder; self.problem = problem
    }

    static func open(store: PostgresScheduleStore, decisionID: String, contents: JournalContents, logger: Logger) async -> MirrorRecoverJournal {
        do {
            let fence: Int64
            if let given = try JournalMirrorTarget.fromEnvironment()?.fence { fence = given } else { fence = try await store.clusterStatus().token }
            let target = JournalMirrorTarget(location: store.postgres, decisionID: decisionID, fence: fence)
            let mirror = try JournalMirror.connect(target, logger: logger)
            let first = contents.events.first
            let recorder = SequencedRecorder(clock: ResumedRunClock(runStartWall: (first?.wall ?? 0) - (first?.t ?? 0)),
                                             startingAfter: contents.events.last?.seq ?? 0) { event, _ in
                try mirror.append(event, sync: true)
            }
            return MirrorRecoverJournal(mirror: mirror, recorder: recorder, problem: nil)
        } catch {
            return MirrorRecoverJournal(mirror: nil, recorder: nil, problem: "\(error)")
        }
    }

    func record(_ body: EventBody) async {
        guard problem == nil, let recorder else { return }
        do { try await recorder.record(body) } catch { problem = "\(error)" }
    }

    func close() { mirror?.close() }
}
