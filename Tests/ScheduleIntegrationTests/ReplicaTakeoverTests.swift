import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// Three real replicas on a throwaway PostgreSQL, one of them running a real `gameday run` when it is killed.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct ReplicaTakeoverTests {
    /// Takeover of a dead leader's run: the leader starts a real `gameday run` (a command fault that creates a marker
    /// file); SIGKILL the leader; a new leader stops the orphaned run (which reverts: the marker goes), records the
    /// decision from the run's journal, and never starts it again (one run directory).
    @Test(.timeLimit(.minutes(2))) func newLeaderSettlesTheDeadLeadersRun() async throws {
        let fixture = try ScheduleReplicas()
        // Ends the replicas and the orphaned run too (its pid is recorded; only a gameday run of this folder).
        defer { fixture.remove() }
        let marker = fixture.path("marker")
        try fixture.start(scenario: "marker", plan: markerPlan(marker: marker), window: 60 + 10 + 20, extra: ["revertTime: 10s"])
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: fixture.url))
        try await location.withStore(logger: storeTestLogger) { store in
            #expect(await eventually(timeout: .seconds(45)) { FileManager.default.fileExists(atPath: marker) },
                    "the fault was never applied: \(fixture.logs)")
            // The scheduled run mirrors its journal: its inject.begin is in the database under the leader's token.
            let running = try #require(try await store.history(limit: 1).first)
            #expect(try await #require(store as? PostgresScheduleStore).mirroredJournal(decisionID: running.id).events.contains { $0.body.type == "inject.begin" },
                    "the scheduled run did not mirror its journal into the store")
            let status = try await store.clusterStatus()
            let leaderPid = try #require(status.replicas.first { $0.id == status.leader }?.pid)
            try #require(fixture.replica(pid: leaderPid) != nil, "the leader is not one of the test's replicas")
            kill(leaderPid, SIGKILL)
            var record: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(40)) {
                record = try await store.history(limit: 1).first
                return record?.status.isFinal == true
            }, "the decision was not settled: \(String(describing: record)) \(fixture.logs)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the dead leader's fault is still applied")
            #expect(record?.reason == "restart")
            let runsDir = try #require(record?.runsDir)
            #expect(JournalInspector.runDirectories(in: runsDir).count == 1)
            try await Task.sleep(for: .seconds(2))
            #expect(JournalInspector.runDirectories(in: runsDir).count == 1)
            print("takeover: \(record?.status.rawValue ?? "-"): \(record?.detail ?? "-")")
        }
    }
}
