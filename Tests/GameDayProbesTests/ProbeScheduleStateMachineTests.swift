@testable import GameDayProbes
import Testing

@Suite struct ProbeScheduleStateMachineTests {
    let second: Int64 = 1_000_000_000

    /// The first slots of many checks are spread evenly over the stagger window, not all at the origin.
    @Test func firstSlotsAreStaggered() {
        var machine = ProbeScheduleStateMachine(intervals: [second, second, second, second], origin: 1000,
                                                staggerWindow: 400_000_000)
        #expect(machine.tick(now: 1000) == [.start(check: 0, slot: 0)])
        let secondFirstSlot: Int64 = 1000 + 100_000_000
        #expect(machine.nextDeadline == secondFirstSlot)
        #expect(machine.tick(now: 1000 + 100_000_000) == [.start(check: 1, slot: 0)])
        #expect(machine.tick(now: 1000 + 250_000_000) == [.start(check: 2, slot: 0)])
        #expect(machine.tick(now: 1000 + 300_000_000 + 1) == [.start(check: 3, slot: 0)])
    }

    /// The stagger never delays a check's first slot by a whole interval or more.
    @Test func staggerIsCappedByTheInterval() {
        var machine = ProbeScheduleStateMachine(intervals: [100, 100], origin: 0, staggerWindow: 10_000)
        #expect(machine.tick(now: 0) == [.start(check: 0, slot: 0)])
        #expect(machine.nextDeadline == 50)
    }

    /// Slots stay on origin + n * interval however late the loop wakes: no drift.
    @Test func slotsDoNotDrift() {
        var machine = ProbeScheduleStateMachine(intervals: [second], origin: 0, staggerWindow: 0)
        #expect(machine.tick(now: 0) == [.start(check: 0, slot: 0)])
        machine.finished(check: 0)
        #expect(machine.nextDeadline == second)
        // Waking 300 ms late starts slot 1 late, but slot 2 is still due at exactly 2 s.
        #expect(machine.tick(now: second + 300_000_000) == [.start(check: 0, slot: 1)])
        machine.finished(check: 0)
        #expect(machine.nextDeadline == 2 * second)
        #expect(machine.tick(now: 2 * second - 1) == [])
        #expect(machine.tick(now: 2 * second) == [.start(check: 0, slot: 2)])
    }

    /// A slot that comes while the check's previous probe still runs is skipped, not queued.
    @Test func busyCheckSkipsItsSlot() {
        var machine = ProbeScheduleStateMachine(intervals: [second], origin: 0, staggerWindow: 0)
        #expect(machine.tick(now: 0) == [.start(check: 0, slot: 0)])
        #expect(machine.tick(now: second) == [.skip(check: 0, count: 1)])
        #expect(machine.isRunning(0))
        machine.finished(check: 0)
        #expect(machine.tick(now: second + 500_000_000) == [])
        #expect(machine.tick(now: 2 * second) == [.start(check: 0, slot: 2)])
        #expect(machine.skippedSlots(0) == 1)
    }

    /// After a long stall only the latest due slot is probed; the missed ones are counted as skipped.
    @Test func lateLoopDoesNotBurst() {
        var machine = ProbeScheduleStateMachine(intervals: [second], origin: 0, staggerWindow: 0)
        _ = machine.tick(now: 0)
        machine.finished(check: 0)
        #expect(machine.tick(now: 4 * second + 10) == [.skip(check: 0, count: 3), .start(check: 0, slot: 4)])
        #expect(machine.nextDeadline == 5 * second)
    }

    /// Checks with different intervals keep their own cadence; the next deadline is the earliest of them.
    @Test func independentIntervals() {
        var machine = ProbeScheduleStateMachine(intervals: [second, 3 * second], origin: 0, staggerWindow: 0)
        #expect(machine.tick(now: 0) == [.start(check: 0, slot: 0), .start(check: 1, slot: 0)])
        machine.finished(check: 0)
        machine.finished(check: 1)
        var starts: [Int] = []
        for tick in 1...6 {
            for case let .start(check, _) in machine.tick(now: Int64(tick) * second) {
                starts.append(check)
                machine.finished(check: check)
            }
        }
        #expect(starts.filter { $0 == 0 }.count == 6)
        #expect(starts.filter { $0 == 1 }.count == 2)
        #expect(machine.nextDeadline == 7 * second)
    }

    /// With no checks there is nothing to wake for.
    @Test func noChecksNoDeadline() {
        var machine = ProbeScheduleStateMachine(intervals: [], origin: 0, staggerWindow: 0)
        #expect(machine.tick(now: 10) == [])
        #expect(machine.nextDeadline == nil)
    }
}
