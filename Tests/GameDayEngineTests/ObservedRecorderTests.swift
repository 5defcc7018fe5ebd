import GameDayCore
import Synchronization
import Testing
@testable import GameDayEngine

/// A journal that refuses every event (a full disk, say).
private struct RefusingRecorder: EventRecorder {
    struct Refused: Error {}
    func record(_ body: EventBody) throws -> JournalEvent { throw Refused() }
}

@Suite struct ObservedRecorderTests {
    /// A view sees each event after the journal has recorded it, as the journal stamped it, in order; stacked views
    /// (metrics, status block, alert arming in `gameday run`) each see every event once.
    @Test func observersSeeJournaledEventsInOrder() async throws {
        let clock = ManualRunClock()
        let journal = EventLog(clock: clock)
        let seenByFirst = Mutex<[Int]>([]), seenBySecond = Mutex<[String]>([])
        let first = ObservedRecorder(journal) { event in
            // The journal already holds the event when the view hears of it.
            let held = await journal.events.contains { $0.seq == event.seq }
            seenByFirst.withLock { $0.append(held ? event.seq : -event.seq) }
        }
        let second = ObservedRecorder(first) { event in seenBySecond.withLock { $0.append(event.body.type) } }
        try await second.record(.phase(PhaseChange(phase: .baseline)))
        try await second.record(.signal(SignalReceived(name: "SIGINT")))
        #expect(seenByFirst.withLock { $0 } == [1, 2])
        #expect(seenBySecond.withLock { $0 } == ["phase", "signal"])
        #expect(await journal.types == ["phase", "signal"])
    }

    /// An event the journal refused is never shown: the error reaches the runner and no view hears of it.
    @Test func refusedEventsAreNotObserved() async {
        let seen = Mutex(0)
        let recorder = ObservedRecorder(RefusingRecorder()) { _ in seen.withLock { $0 += 1 } }
        await #expect(throws: RefusingRecorder.Refused.self) { try await recorder.record(.phase(PhaseChange(phase: .chaos))) }
        #expect(seen.withLock { $0 } == 0)
    }
}
