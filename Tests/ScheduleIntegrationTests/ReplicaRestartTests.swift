import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDaySchedule

/// Three real replicas on their own throwaway PostgreSQL, which is stopped and started again (same data directory,
/// same port) while the leader's run holds its fault.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct ReplicaRestartTests {
    /// PostgreSQL restarted mid-window: every replica backs off while it cannot reach the database and reconnects
    /// once it is back (all three alive and seen again); the run that held a fault is reverted and settled once, its
    /// decision is neither lost nor doubled (one day, one decision, one injection, one run directory), and the
    /// database's own token history shows one leader at a time across the outage.
    @Test(.timeLimit(.minutes(2))) func databaseRestartMidWindow() async throws {
        let cluster = try PostgresCluster.start()  // its own: stopping the shared one would cut every other suite off
        defer { cluster.remove() }
        let fixture = try ScheduleReplicas(cluster: cluster)
        defer { fixture.remove() }
        let marker = fixture.path("marker"), injections = fixture.path("injections")
        try fixture.start(scenario: "marker", plan: """
            version: 1
            name: marker
            description: A command fault that counts its injections and holds a marker file until it is reverted.
            environment: staging
            timeline: { baseline: 0s, recovery: 0s }
            steps:
              - { name: marker, at: 0s, duration: 60s, fault: command,
                  with: { inject: [sh, -c, "echo x >> \(injections) && touch \(marker)"], revert: [rm, -f, \(marker)] } }
            """, window: 60 + 10 + 20, extra: ["revertTime: 10s"])
        let pids = Set(fixture.replicas.map(\.pid))
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: fixture.url))
        #expect(await eventually(timeout: .seconds(45)) { FileManager.default.fileExists(atPath: marker) },
                "the fault was never applied: \(fixture.logs)")
        let before = try await location.withStore(logger: storeTestLogger) { try await $0.clusterStatus() }
        #expect(before.leader != nil && before.token >= 1)

        // The outage: longer than the 2 s TTL, so the leader's lease runs out while the database is away.
        try cluster.stopServer()
        try await Task.sleep(for: .seconds(4))
        try cluster.startServer()

        try await location.withStore(logger: storeTestLogger) { store in
            var record: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(40), every: .milliseconds(200)) {
                record = try? await store.history(limit: 1).first
                return record?.status.isFinal == true
            }, "the decision was not settled after the restart: \(String(describing: record)) \(fixture.logs)")
            #expect(!FileManager.default.fileExists(atPath: marker), "the fault is still applied after the restart")
            // …and recorded as it is: reverted (not "faults still active" because a recover found the run locked).
            #expect(record?.status != .revertFailed, "\(record?.detail ?? "-")")
            // Every replica reconnects: alive, seen by the database after the restart, a leader again.
            var status: ClusterStatus?
            #expect(try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                status = try? await store.clusterStatus()
                guard let status, status.leader != nil, status.token > before.token else { return false }
                let fresh = status.replicas.filter { pids.contains($0.pid) && $0.lastSeen < .seconds(3) }
                return fresh.count == 3
            }, "not every replica reconnected: \(String(describing: status)) \(fixture.logs)")
            let alive = fixture.replicas.allSatisfy { $0.process.isRunning }
            #expect(alive, "a replica died with the database: \(fixture.logs)")
            // Each replica backed off while the database was away (the one retry policy, tries counted up).
            for replica in fixture.replicas {
                #expect(replica.log.contains("backing off, next campaign in") && replica.log.contains("try=2"),
                        "replica \(replica.pid) did not back off: \(replica.log)")
            }

            // Nothing lost or doubled: the day planned once with its one decision, injected once, one run directory.
            try await Task.sleep(for: .seconds(2))
            #expect(try fixture.psql("SELECT count(*) FROM day") == "1" && fixture.psql("SELECT count(*) FROM decision") == "1")
            #expect((try? String(contentsOfFile: injections, encoding: .utf8)) == "x\n", "the decision ran more than once")
            let runsDir = try #require(record?.runsDir)
            #expect(JournalInspector.runDirectories(in: runsDir).count == 1)

            // One leader at a time, from the database's own history: tokens 1, 2, … in order, none overlapping.
            let history = try await #require(store as? PostgresScheduleStore).leadershipHistory()
            #expect(history.map(\.token) == Array(1...Int64(history.count)) && history.count >= 2, "\(history)")
            for (earlier, later) in zip(history, history.dropFirst()) {
                #expect(earlier.until <= later.from, "leaderships \(earlier.token) and \(later.token) overlap")
            }
            print("database restart: \(record?.status.rawValue ?? "-") (\(record?.reason ?? "-")): \(record?.detail ?? "-"); tokens \(history.map(\.token))")
        }
    }
}
