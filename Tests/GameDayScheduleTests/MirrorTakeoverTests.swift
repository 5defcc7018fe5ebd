import Foundation
import GameDayCore
import GameDayJournal
import GameDayTestSupport
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// Three real replicas, each with its own runs directory, on a throwaway PostgreSQL: the leader and its run die
/// together and the run directory goes with them, so only the journal mirrored into the store is left to act on.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct MirrorTakeoverTests {
    /// Takeover from the mirror: SIGKILL the leader and its `gameday run` (a command fault holding a marker file),
    /// remove the leader's runs directory; a new leader reverts the fault from the mirrored journal (the marker goes),
    /// closes the mirrored journal with run.end, records the decision as interrupted, and never starts it again.
    @Test(.timeLimit(.minutes(2))) func newLeaderRevertsTheDeadLeadersFaultFromTheMirror() async throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let marker = folder.appendingPathComponent("marker").path
        try """
        version: 1
        name: marker
        description: A command fault that creates a marker file until it is reverted.
        environment: staging
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - { name: marker, at: 0s, duration: 60s, fault: command, with: { inject: [touch, \(marker)], revert: [rm, -f, \(marker)] } }
        """.write(to: folder.appendingPathComponent("marker.yaml"), atomically: true, encoding: .utf8)
        let (zone, hours) = AbortRecoveryTests.windowAroundNow(seconds: 60 + 10 + 20)
        var started: [SchedulerServiceTests.Child] = []
        // A replica stopped with SIGTERM aborts (and reverts) the run it leads.
        defer { for replica in started { replica.stop(grace: 10) } }
        for index in 0..<3 {
            let config = folder.appendingPathComponent("schedule-\(index).yaml").path
            try """
            version: 1
            timeZone: \(zone.identifier)
            workdays: [mon, tue, wed, thu, fri, sat, sun]
            hours: { start: "\(hours.start)", end: "\(hours.end)" }
            scenarios:
              - { plan: marker.yaml, meanDaysBetweenRuns: 1 }
            runsDir: \(folder.appendingPathComponent("runs-\(index)").path)
            revertTime: 10s
            store: \(cluster.url(database: database))
            leaseTTL: 2s
            """.write(toFile: config, atomically: true, encoding: .utf8)
            started.append(try SchedulerServiceTests.Child(gameday, ["schedule", "run", "--config", config, "--log-level", "info"],
                                                           log: folder.appendingPathComponent("replica-\(index).log").path))
        }
        let replicas = started
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: cluster.url(database: database)))
        try await location.withStore(logger: storeTestLogger) { store in
            #expect(await eventually(timeout: .seconds(45)) { FileManager.default.fileExists(atPath: marker) },
                    "the fault was never applied: \(replicas.map(\.log))")
            var running: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(5)) {
                running = try await store.history(limit: 1).first
                return running?.pid != nil
            })
            let decision = try #require(running)
            let status = try await store.clusterStatus()
            let leaderPid = try #require(status.replicas.first { $0.id == status.leader }?.pid)
            // The leader's machine is gone: the leader, its run (no revert: SIGKILL) and its run directory.
            kill(leaderPid, SIGKILL)
            if let pid = decision.pid { kill(pid, SIGKILL) }
            let deadRuns = try #require(decision.runsDir)
            try FileManager.default.removeItem(atPath: deadRuns)
            #expect(FileManager.default.fileExists(atPath: marker), "the SIGKILLed run reverted its fault by itself")

            var record: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(40)) {
                record = try await store.decision(id: decision.id)
                return record?.status.isFinal == true
            }, "the decision was not settled: \(String(describing: record)) \(replicas.map(\.log))")
            #expect(!FileManager.default.fileExists(atPath: marker), "the dead leader's fault is still applied: \(String(describing: record?.detail))")
            #expect(record?.status == .interrupted && record?.reason == "restart")
            #expect(record?.detail?.contains("mirrored") == true, "\(String(describing: record?.detail))")
            let mirrored = try await #require(store as? PostgresScheduleStore).mirroredJournal(decisionID: decision.id)
            let ledger = FaultLedger(events: mirrored.events)
            #expect(ledger.hasRunEnd && ledger.open.isEmpty, "the mirrored journal was not closed: \(mirrored.events.map(\.body.type))")
            // Never started twice: no replica made a run directory for it again.
            try await Task.sleep(for: .seconds(2))
            let again = (0..<3).flatMap { JournalInspector.runDirectories(in: folder.appendingPathComponent("runs-\($0)").path + "/" + decision.day.description + "/" + decision.scenario) }
            #expect(again.isEmpty, "the decision was started again: \(again)")
            print("mirror takeover: \(record?.status.rawValue ?? "-"): \(record?.detail ?? "-")")
        }
    }
}
