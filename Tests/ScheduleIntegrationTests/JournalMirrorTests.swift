import Foundation
import GameDayCore
import GameDayJournal
import GameDayTestSupport
import Logging
import Synchronization
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

    /// The suite's setup: the replica fixture without replicas — a database (on `cluster`, else the shared one)
    /// migrated to the current schema with the lease held at `token`, and a folder; `remove()` drops both.
    static func mirrorFixture(token: Int64, cluster: PostgresCluster? = nil) async throws -> ScheduleReplicas {
        let fixture = try ScheduleReplicas(cluster: cluster)
        do {
            _ = try await PostgresScheduleStore.withStore(try PostgresLocation(parsing: fixture.url), logger: storeTestLogger) {
                try await $0.schemaVersion()
            }
            try lease(fixture.cluster, database: fixture.database, token: token)
        } catch {
            fixture.remove()
            throw error
        }
        return fixture
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
        let fixture = try await JournalMirrorTests.mirrorFixture(token: 7)
        defer { fixture.remove() }
        let (gameday, cluster, database, folder) = (fixture.gameday, fixture.cluster, fixture.database, fixture.folder)
        let location = try PostgresLocation(parsing: fixture.url)
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
        // The figure for the docs: from an event's wall time to its commit, for the events committed one by one.
        let latency = try cluster.psql("""
            SELECT round(avg(extract(epoch FROM committed_at) * 1000 - wall)::numeric, 2), round(max(extract(epoch FROM committed_at) * 1000 - wall)::numeric, 2)
            FROM journal_event WHERE type NOT IN ('probe', 'health', 'alert')
            """, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
        print("journal mirror: \(local.events.count) events mirrored; run took \(elapsed); event -> commit ms (avg|max) of synced events: \(latency)")
    }

    /// A run whose leader was deposed before it started (its token is no longer the lease's) applies nothing and
    /// leaves no row: the database refuses the deposed leader's run.
    @Test(.timeLimit(.minutes(1))) func aDeposedLeadersRunAppliesNothing() async throws {
        let fixture = try await JournalMirrorTests.mirrorFixture(token: 8)
        defer { fixture.remove() }
        let (gameday, cluster, database, folder) = (fixture.gameday, fixture.cluster, fixture.database, fixture.folder)
        let location = try PostgresLocation(parsing: fixture.url)
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
        let cluster = try PostgresCluster.start()  // its own: the test stops it
        defer { cluster.remove() }
        let fixture = try await Self.mirrorFixture(token: 3, cluster: cluster)
        defer { fixture.remove() }
        let (gameday, database, folder) = (fixture.gameday, fixture.database, fixture.folder)
        let location = try PostgresLocation(parsing: fixture.url)
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

/// `gameday report --store` and `gameday recover --store`, real processes reading a SIGKILLed run's mirrored journal.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct StoreCommandsTests {
    /// Runs the gameday executable; returns its exit status and its stdout and stderr together.
    static func gameday(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// From the mirror alone: report renders the killed run; recover run on "another machine" reports the
    /// controller-local fault as on the dead machine (exit 4, not reverted); on the run's machine it reverts it and
    /// closes the mirrored journal with run.end.
    @Test(.timeLimit(.minutes(1))) func reportAndRecoverReadARunFromTheStore() async throws {
        let fixture = try await JournalMirrorTests.mirrorFixture(token: 5)
        defer { fixture.remove() }
        let (gameday, cluster, database, folder) = (fixture.gameday, fixture.cluster, fixture.database, fixture.folder)
        let url = fixture.url
        let location = try PostgresLocation(parsing: fixture.url)
        let marker = folder.appendingPathComponent("marker").path
        let plan = try JournalMirrorTests.writePlan(folder, inject: ["touch", marker], revert: ["rm", "-f", marker], hold: "1m")
        let request = try JournalMirrorTests.request(plan: plan, folder: folder, cluster: cluster, database: database, fence: 5)
        let pid = Mutex<Int32?>(nil)
        let run = Task { await GameDayProcess(executable: gameday, logger: storeTestLogger).run(request) { spawned in pid.withLock { $0 = spawned } } }
        defer { run.cancel() }
        #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: marker) }, "the fault was never applied")
        kill(try #require(pid.withLock { $0 }), SIGKILL)
        _ = await run.value
        #expect(FileManager.default.fileExists(atPath: marker))

        let (reportStatus, report) = try Self.gameday(gameday, ["report", "--store", url, "d-mirror"])
        #expect(reportStatus == 0 && report.contains("mirror"), "\(report)")

        try cluster.psql("UPDATE journal_event SET host = 'elsewhere'", database: database)
        let (elsewhereStatus, elsewhere) = try Self.gameday(gameday, ["recover", "--store", url, "d-mirror"])
        #expect(elsewhereStatus == 4 && elsewhere.contains("DEAD CONTROLLER'S MACHINE") && elsewhere.contains("elsewhere"), "\(elsewhere)")
        #expect(FileManager.default.fileExists(atPath: marker), "a fault on the dead controller's machine was touched from another")

        try cluster.psql("DELETE FROM journal_event WHERE type = 'run.end'; UPDATE journal_event SET host = '\(ProcessInfo.processInfo.hostName)'", database: database)
        let (status, output) = try Self.gameday(gameday, ["recover", "--store", url, "d-mirror"])
        #expect(status == 0, "\(output)")
        #expect(!FileManager.default.fileExists(atPath: marker), "recover --store did not revert the fault")
        let ledger = FaultLedger(events: try await PostgresScheduleStore.withStore(location, logger: storeTestLogger) {
            try await $0.mirroredJournal(decisionID: "d-mirror")
        }.events)
        #expect(ledger.hasRunEnd && ledger.open.isEmpty)
        #expect(try Self.gameday(gameday, ["report", "--store", url, "no-such-decision"]).0 == 2)
    }
}
