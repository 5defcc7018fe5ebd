import Foundation
import GameDayCore
import GameDayJournal
import GameDayTestSupport
import Logging
import Testing
@testable import GameDaySchedule

/// A real `gameday run`, spawned by the scheduler's launcher with a journal mirror, against a throwaway PostgreSQL.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct JournalMirrorTests {
    /// A plan whose one command fault runs `inject` and `revert`, held `hold`, with a health check every 100 ms.
    static func writePlan(_ folder: URL, inject: [String], revert: [String], hold: String) throws -> String {
        let plan = folder.appendingPathComponent("mirror.yaml").path
        func list(_ argv: [String]) -> String { "[" + argv.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        try """
        version: 1
        name: mirror
        description: A command fault, and probe samples to batch.
        environment: staging
        health:
          - { name: alive, command: [\"true\"], interval: 100ms }
        timeline: { baseline: 300ms, recovery: 300ms }
        steps:
          - { name: marker, at: 0s, duration: \(hold), fault: command, with: { inject: \(list(inject)), revert: \(list(revert)) } }
        """.write(toFile: plan, atomically: true, encoding: .utf8)
        return plan
    }

    /// Sets the lease to `token`, held for an hour (as a leader's would be).
    static func lease(_ cluster: PostgresCluster, database: String, token: Int64) throws {
        try cluster.psql("""
            UPDATE leader_lease SET token = \(token), holder = 'test', acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
                expires_at = clock_timestamp() + interval '1 hour' WHERE id = 1
            """, database: database)
    }

    static func request(plan: String, folder: URL, cluster: PostgresCluster, database: String, fence: Int64) throws -> RunRequest {
        var request = RunRequest(decisionID: "d-mirror", plan: plan, runsDir: folder.appendingPathComponent("runs").path, seed: 1,
                                 abortGrace: .seconds(20))
        request.mirror = JournalMirrorTarget(location: try PostgresLocation(parsing: cluster.url(database: database)),
                                             decisionID: "d-mirror", fence: fence)
        return request
    }

    /// Invariant 1 in the database: the fault's own inject command finds its `inject.begin` already committed; every
    /// journal event (the batched probe samples too) is in the database in order, each row under the leader's token.
    @Test(.timeLimit(.minutes(1))) func everyEventIsMirroredAndInjectBeginIsCommittedFirst() async throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let location = try PostgresLocation(parsing: cluster.url(database: database))
        _ = try await PostgresScheduleStore.withStore(location, logger: storeTestLogger) { try await $0.schemaVersion() }
        try Self.lease(cluster, database: database, token: 7)
        let seen = folder.appendingPathComponent("seen").path
        let plan = try Self.writePlan(folder, inject: ["/usr/bin/psql", "-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres",
                                                       "-d", database, "-tAc", "SELECT count(*) FROM journal_event WHERE type = 'inject.begin'", "-o", seen],
                                      revert: ["true"], hold: "1s")
        let request = try Self.request(plan: plan, folder: folder, cluster: cluster, database: database, fence: 7)
        let started = ContinuousClock.now
        let result = await GameDayProcess(executable: gameday, logger: storeTestLogger).run(request) { _ in }
        let elapsed = ContinuousClock.now - started
        let runLog = (try? String(contentsOfFile: folder.appendingPathComponent("runs/gameday-run.log").path, encoding: .utf8)) ?? ""
        #expect(result.exitCode == 0, "\(runLog)")
        #expect((try? String(contentsOfFile: seen, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "1",
                "inject.begin was not committed in the database before the fault was applied")
        let runDir = try #require(result.runDir)
        let local = try JournalReader.read(url: URL(fileURLWithPath: runDir).appendingPathComponent("journal.jsonl"))
        let mirrored = try await PostgresScheduleStore.withStore(location, logger: storeTestLogger) { try await $0.mirroredJournal(decisionID: "d-mirror") }
        #expect(mirrored.events == local.events)
        #expect(local.events.contains { $0.body.type == "probe" } && local.events.last?.body.type == "run.end")
        #expect(try cluster.psql("SELECT DISTINCT fence FROM journal_event", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "7")
        print("journal mirror: \(local.events.count) events mirrored; run took \(elapsed)")
    }

    /// A run whose leader was deposed before it started (its token is no longer the lease's) applies nothing and
    /// leaves no row: the database refuses the deposed leader's run.
    @Test(.timeLimit(.minutes(1))) func aDeposedLeadersRunAppliesNothing() async throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let location = try PostgresLocation(parsing: cluster.url(database: database))
        _ = try await PostgresScheduleStore.withStore(location, logger: storeTestLogger) { try await $0.schemaVersion() }
        try Self.lease(cluster, database: database, token: 8)
        let marker = folder.appendingPathComponent("marker").path
        let plan = try Self.writePlan(folder, inject: ["touch", marker], revert: ["rm", "-f", marker], hold: "1s")
        let request = try Self.request(plan: plan, folder: folder, cluster: cluster, database: database, fence: 7)
        let result = await GameDayProcess(executable: gameday, logger: storeTestLogger).run(request) { _ in }
        let runLog = (try? String(contentsOfFile: folder.appendingPathComponent("runs/gameday-run.log").path, encoding: .utf8)) ?? ""
        #expect(result.exitCode == 2, "nothing touched: \(runLog)")
        #expect(runLog.contains("stale"), "\(runLog)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(try cluster.psql("SELECT count(*) FROM journal_event", database: database).trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    /// PostgreSQL stopped mid-run: the run cannot mirror its next batch, so it applies nothing more and reverts
    /// at once (the fault was to be held two minutes), exactly as on a journal write failure.
    @Test(.timeLimit(.minutes(1))) func aRunThatLosesTheDatabaseReverts() async throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let cluster = try PostgresCluster.start()
        defer { cluster.remove() }
        let database = try cluster.createDatabase()
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let location = try PostgresLocation(parsing: cluster.url(database: database))
        _ = try await PostgresScheduleStore.withStore(location, logger: storeTestLogger) { try await $0.schemaVersion() }
        try Self.lease(cluster, database: database, token: 3)
        let marker = folder.appendingPathComponent("marker").path
        let plan = try Self.writePlan(folder, inject: ["touch", marker], revert: ["rm", "-f", marker], hold: "2m")
        let request = try Self.request(plan: plan, folder: folder, cluster: cluster, database: database, fence: 3)
        let run = Task { await GameDayProcess(executable: gameday, logger: storeTestLogger).run(request) { _ in } }
        defer { run.cancel() }
        #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: marker) }, "the fault was never applied")
        try cluster.stopServer()
        #expect(await eventually(timeout: .seconds(15)) { !FileManager.default.fileExists(atPath: marker) },
                "the run did not revert when it lost the database")
        let result = await run.value
        let runLog = (try? String(contentsOfFile: folder.appendingPathComponent("runs/gameday-run.log").path, encoding: .utf8)) ?? ""
        #expect(result.exitCode != 0 && result.exitCode != nil, "\(runLog)")
        #expect(runLog.contains("journal write failed") && runLog.contains("cannot mirror"), "\(runLog)")
    }
}
