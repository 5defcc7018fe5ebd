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
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let marker = folder.appendingPathComponent("marker").path
        let plan = folder.appendingPathComponent("marker.yaml")
        try """
        version: 1
        name: marker
        description: A command fault that creates a marker file until it is reverted.
        environment: staging
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - { name: marker, at: 0s, duration: 60s, fault: command, with: { inject: [touch, \(marker)], revert: [rm, -f, \(marker)] } }
        """.write(to: plan, atomically: true, encoding: .utf8)
        let (zone, hours) = AbortRecoveryTests.windowAroundNow(seconds: 60 + 10 + 20)
        let config = folder.appendingPathComponent("schedule.yaml").path
        try """
        version: 1
        timeZone: \(zone.identifier)
        workdays: [mon, tue, wed, thu, fri, sat, sun]
        hours: { start: "\(hours.start)", end: "\(hours.end)" }
        scenarios:
          - { plan: marker.yaml, meanDaysBetweenRuns: 1 }
        revertTime: 10s
        store: \(cluster.url(database: database))
        leaseTTL: 2s
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var started: [SchedulerServiceTests.Child] = []
        defer {
            for replica in started { replica.stop(grace: 10) }
            // The orphaned run never outlives the test (its pid is recorded; only a gameday run of this folder).
            if let text = try? cluster.psql("SELECT pid FROM decision WHERE pid IS NOT NULL", database: database) {
                for pid in text.split(separator: "\n").compactMap({ Int32($0.trimmingCharacters(in: .whitespaces)) })
                    where AbortRecoveryTests.commandLine(of: pid).contains(folder.path) {
                    kill(pid, SIGKILL)
                }
            }
        }
        for index in 0..<3 {
            started.append(try SchedulerServiceTests.Child(gameday, ["schedule", "run", "--config", config, "--log-level", "info"],
                                                           log: folder.appendingPathComponent("replica-\(index).log").path))
        }
        let replicas = started
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: cluster.url(database: database)))
        try await location.withStore(logger: storeTestLogger) { store in
            #expect(await eventually(timeout: .seconds(45)) { FileManager.default.fileExists(atPath: marker) },
                    "the fault was never applied: \(replicas.map(\.log))")
            // The scheduled run mirrors its journal: its inject.begin is in the database under the leader's token.
            let running = try #require(try await store.history(limit: 1).first)
            #expect(try await #require(store as? PostgresScheduleStore).mirroredJournal(decisionID: running.id).events.contains { $0.body.type == "inject.begin" },
                    "the scheduled run did not mirror its journal into the store")
            let status = try await store.clusterStatus()
            let leaderPid = try #require(status.replicas.first { $0.id == status.leader }?.pid)
            kill(leaderPid, SIGKILL)
            var record: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(40)) {
                record = try await store.history(limit: 1).first
                return record?.status.isFinal == true
            }, "the decision was not settled: \(String(describing: record)) \(replicas.map(\.log))")
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
