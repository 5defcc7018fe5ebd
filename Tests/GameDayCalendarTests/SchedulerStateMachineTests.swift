import Foundation
import GameDayCore
import Testing
@testable import GameDayCalendar

@Suite struct SchedulerStateMachineTests {
    // A decision at 10:00Z, planned 30 minutes, aborted at 14:58Z (window 09:00-15:00 minus 2 minutes).
    let start = Fixture.utc("2027-03-15T10:00:00Z")
    let abortAt = Fixture.utc("2027-03-15T14:58:00Z")
    var decision: DecisionSnapshot {
        DecisionSnapshot(id: "2027-03-15/web", status: .planned, startAt: start, plannedDuration: .minutes(30), abortAt: abortAt)
    }

    /// Before the start time it waits for exactly the start time; at it, it checks for an outage and then starts.
    @Test func waitsThenChecksThenStarts() {
        var machine = SchedulerStateMachine()
        #expect(machine.tick(now: start.addingTimeInterval(-60), decisions: [decision], gates: .init()) == .wait(until: start))
        #expect(machine.tick(now: start, decisions: [decision], gates: .init()) == .checkOutage(id: decision.id))
        #expect(machine.outageChecked(now: start.addingTimeInterval(2), decision: decision, result: .healthy, gates: .init()) == .start(id: decision.id))
        #expect(machine.state == .running(id: decision.id, abortAt: abortAt, abortRequested: false))
        // While running nothing else starts; it waits for the abort time.
        var other = decision
        other.id = "2027-03-15/db"
        #expect(machine.tick(now: start.addingTimeInterval(5), decisions: [other], gates: .init()) == .wait(until: abortAt))
    }

    /// Window edge: a start that still fits exactly is allowed; one second later it is skipped as missed.
    @Test func windowEdge() {
        var machine = SchedulerStateMachine()
        let lastFit = abortAt.addingTimeInterval(-30 * 60)
        #expect(machine.tick(now: lastFit, decisions: [decision], gates: .init()) == .checkOutage(id: decision.id))
        var late = SchedulerStateMachine()
        guard case .skip(_, .missed, _) = late.tick(now: lastFit.addingTimeInterval(1), decisions: [decision], gates: .init()) else {
            Issue.record("expected a missed skip"); return
        }
        // The fit is judged again after the outage check, which takes time.
        #expect(machine.outageChecked(now: lastFit.addingTimeInterval(1), decision: decision, result: .healthy, gates: .init())
                == .skip(id: decision.id, reason: .missed, detail: "the start time passed and the run no longer fits the window"))
    }

    /// Paused and kill switch skip the decision with the reason; leashed records without starting.
    @Test func gates() {
        var machine = SchedulerStateMachine()
        #expect(machine.tick(now: start, decisions: [decision], gates: .init(pausedReason: "incident 42"))
                == .skip(id: decision.id, reason: .paused, detail: "paused: incident 42"))
        #expect(machine.tick(now: start, decisions: [decision], gates: .init(killSwitchPresent: true))
                == .skip(id: decision.id, reason: .killSwitch, detail: "the kill switch file exists"))
        #expect(machine.tick(now: start, decisions: [decision], gates: .init(leashed: true)) == .recordLeashed(id: decision.id))
        #expect(machine.state == .idle)
        // The kill switch appearing during the outage check still stops the start.
        #expect(machine.tick(now: start, decisions: [decision], gates: .init()) == .checkOutage(id: decision.id))
        #expect(machine.outageChecked(now: start, decision: decision, result: .healthy, gates: .init(killSwitchPresent: true))
                == .skip(id: decision.id, reason: .killSwitch, detail: "the kill switch file exists"))
    }

    /// An unhealthy outage check skips the decision with the failing checks named.
    @Test func outageCheck() {
        var machine = SchedulerStateMachine()
        _ = machine.tick(now: start, decisions: [decision], gates: .init())
        #expect(machine.outageChecked(now: start, decision: decision, result: .unhealthy(["storefront: HTTP 503"]), gates: .init())
                == .skip(id: decision.id, reason: .outage, detail: "unhealthy before start: storefront: HTTP 503"))
        _ = machine.tick(now: start, decisions: [decision], gates: .init())
        #expect(machine.outageChecked(now: start, decision: decision, result: .planUnavailable("gone"), gates: .init())
                == .skip(id: decision.id, reason: .planUnavailable, detail: "gone"))
    }

    /// Only planned decisions start: a decision already starting, running or done is never started again.
    @Test func neverStartsTwice() {
        var machine = SchedulerStateMachine()
        for status in DecisionStatus.allCases where status != .planned {
            var d = decision
            d.status = status
            #expect(machine.tick(now: start, decisions: [d], gates: .init()) == .wait(until: nil), "\(status)")
        }
    }

    /// A run still going at the abort time is aborted once, for the window's end.
    @Test func abortsAtWindowEnd() {
        var machine = SchedulerStateMachine()
        _ = machine.tick(now: start, decisions: [decision], gates: .init())
        _ = machine.outageChecked(now: start, decision: decision, result: .healthy, gates: .init())
        #expect(machine.tick(now: abortAt, decisions: [], gates: .init()) == .abort(id: decision.id, reason: .windowEnd))
        #expect(machine.tick(now: abortAt.addingTimeInterval(1), decisions: [], gates: .init()) == .wait(until: nil))
        machine.runFinished(id: decision.id, startedAt: start, now: abortAt.addingTimeInterval(20))
        #expect(machine.state == .idle)
    }

    /// Shutdown aborts a run in progress; afterwards nothing starts.
    @Test func shutdown() {
        var machine = SchedulerStateMachine()
        _ = machine.tick(now: start, decisions: [decision], gates: .init())
        _ = machine.outageChecked(now: start, decision: decision, result: .healthy, gates: .init())
        #expect(machine.shutdown() == .abort(id: decision.id, reason: .shutdown))
        machine.runFinished(id: decision.id, startedAt: start, now: start.addingTimeInterval(10))
        var next = decision
        next.id = "2027-03-15/db"
        #expect(machine.tick(now: start.addingTimeInterval(11), decisions: [next], gates: .init()) == .stop)
        var idle = SchedulerStateMachine()
        #expect(idle.shutdown() == .stop)
    }

    /// A start time that fell during another run is skipped as busy when it no longer fits; otherwise it starts late.
    @Test func busyVersusMissed() {
        var machine = SchedulerStateMachine()
        _ = machine.tick(now: start, decisions: [decision], gates: .init())
        _ = machine.outageChecked(now: start, decision: decision, result: .healthy, gates: .init())
        machine.runFinished(id: decision.id, startedAt: start, now: Fixture.utc("2027-03-15T14:40:00Z"))
        let second = DecisionSnapshot(id: "2027-03-15/db", status: .planned, startAt: Fixture.utc("2027-03-15T14:00:00Z"),
                                      plannedDuration: .minutes(30), abortAt: abortAt)
        guard case .skip(_, .busy, _) = machine.tick(now: Fixture.utc("2027-03-15T14:40:01Z"), decisions: [second], gates: .init()) else {
            Issue.record("expected busy"); return
        }
        let short = DecisionSnapshot(id: "2027-03-15/cache", status: .planned, startAt: Fixture.utc("2027-03-15T14:00:00Z"),
                                     plannedDuration: .minutes(5), abortAt: abortAt)
        #expect(machine.tick(now: Fixture.utc("2027-03-15T14:40:01Z"), decisions: [short], gates: .init()) == .checkOutage(id: short.id))
    }

    /// After a restart, the journal decides: finished runs keep their outcome, unfinished ones go to recover.
    @Test func restartResolution() {
        #expect(SchedulerStateMachine.resolveAfterRestart(journal: .noRun).status == .interrupted)
        #expect(!SchedulerStateMachine.resolveAfterRestart(journal: .noRun).recover)
        #expect(SchedulerStateMachine.resolveAfterRestart(journal: .unfinished).recover)
        #expect(SchedulerStateMachine.resolveAfterRestart(journal: .finished(status: "completed", stillActive: [])).status == .completed)
        #expect(!SchedulerStateMachine.resolveAfterRestart(journal: .finished(status: "completed", stillActive: [])).recover)
        #expect(SchedulerStateMachine.resolveAfterRestart(journal: .finished(status: "aborted", stillActive: [])).status == .aborted)
        let stuck = SchedulerStateMachine.resolveAfterRestart(journal: .finished(status: "interrupted", stillActive: ["0.web-1"]))
        #expect(stuck.status == .revertFailed && stuck.recover)
    }
}
