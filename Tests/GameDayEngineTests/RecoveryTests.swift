import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayEngine

@Suite struct RecoveryTests {
    private func journal(_ bodies: [EventBody]) -> [JournalEvent] {
        bodies.enumerated().map { JournalEvent(seq: $0 + 1, t: Int64($0), wall: Int64($0), body: $1) }
    }

    private func begin(_ id: String) -> EventBody {
        .injectBegin(InjectBegin(faultID: id, step: id, stepIndex: 0, fault: "command", target: id, description: id,
                                 recipe: .command(CommandRevert(argv: ["undo", id]))))
    }

    /// recover's loop: the open faults of a ledger are reverted newest first, each attempt journaled, a fault that
    /// keeps failing is given up with its advice and reported still active; reverted and `.nothing` ones are left.
    @Test func revertOpenNewestFirstAndReportsWhatIsLeft() async throws {
        let clock = ManualRunClock()
        let log = EventLog(clock: clock)
        let ledger = FaultLedger(events: journal([
            begin("0.a"), begin("1.b"),
            .injectBegin(InjectBegin(faultID: "2.c", step: "c", stepIndex: 2, fault: "node-loss", target: "c",
                                     description: "c", recipe: .nothing(reason: "SIGKILL"))),
            begin("3.d"), .revertEnd(FaultOutcome(faultID: "3.d", ok: true)),
            .revertEnd(FaultOutcome(faultID: "0.a", ok: false, error: "exit 1", manual: "by hand a")),
        ]))
        let recovery = Recovery(reverter: RecordingReverter(log: log, failures: ["0.a": 100]), clock: clock,
                                backoff: BackoffPolicy(maxAttempts: 3, base: .zero, cap: .zero), jitter: Jitter(seed: 1))
        var said: [String] = []
        let left = await recovery.revertOpen(ledger, reason: .recover, record: { _ = try? await log.record($0) }) { progress in
            switch progress {
            case .reverting(let entry): said.append("reverting \(entry.faultID)")
            case .finished(let entry, let outcome): said.append("\(entry.faultID): \(outcome)")
            }
        }
        #expect(left == ["0.a"])
        #expect(await log.actions == ["revert 1.b"])
        #expect(said.first == "reverting 1.b" && said.count == 4)
        let after = FaultLedger(events: await log.events)
        #expect(after["1.b"] == nil)  // the log holds only what recovery journaled
        let attempts = await log.events.compactMap { e -> String? in
            if case .revertBegin(let r) = e.body { return "\(r.faultID)#\(r.attempt) \(r.reason.rawValue)" } else { return nil }
        }
        #expect(attempts == ["1.b#1 recover", "0.a#1 recover", "0.a#2 recover", "0.a#3 recover"])
        guard case .revertEnd(let last)? = await log.events.last?.body else { Issue.record("no revert.end"); return }
        #expect(last.faultID == "0.a" && !last.ok && last.manual == "by hand a")
        #expect(last.error?.hasPrefix("gave up after 3 attempt(s): ") == true)
    }
}
