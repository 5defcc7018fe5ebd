import Foundation
import GameDayCore
import GameDayTestSupport
import Logging
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// The scheduler service on a real PostgreSQL store, with a 1 s lease and a stand-in for `gameday run`.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct LeadershipLossTests {
    /// A leader whose lease is taken over mid-run aborts its run at once (reason leadership-lost), starts nothing
    /// more, and its late write of the outcome is fenced off by the database (the new leader settles the decision).
    @Test(.timeLimit(.minutes(1))) func losingTheLeaseAbortsTheRun() async throws {
        let cluster = try PostgresCluster.shared()
        let database = try cluster.createDatabase()
        defer { _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let (zone, hours) = Fixture.windowAroundNow(seconds: 60 + 10 + 20)
        var settings = ScheduleConfiguration(
            timeZone: zone, workdays: Set(Weekday.allCases), hours: hours,
            scenarios: [ScenarioConfiguration(name: "web", plan: "/p/web.yaml", meanDaysBetweenRuns: 1)],
            runsDir: folder.appendingPathComponent("runs").path, seed: 3, revertTime: .seconds(10))
        settings.store = cluster.url(database: database)
        settings.leaseTTL = .seconds(1)
        let configuration = settings
        let location = try ScheduleStoreLocation(configuration: configuration)
        let launcher = FakeLauncher()
        let metrics = ScheduleMetrics()
        let a = ReplicaIdentity(id: "host-a/1/a", host: "host-a", pid: 1)
        let b = ReplicaIdentity(id: "host-b/2/b", host: "host-b", pid: 2)
        try await location.withStore(logger: storeTestLogger) { store in
            let election = LeaderElection(store: store, replica: a, ttl: configuration.leaseTTL, logger: storeTestLogger)
            let service = SchedulerService(
                configuration: configuration, store: store, seed: 3,
                dependencies: .init(inspector: FixedInspector(summary: PlanSummary(duration: .seconds(60), checks: [])),
                                    launcher: launcher, outageCheck: FixedOutageCheck(answer: []), notifier: nil,
                                    clock: SystemSchedulerClock()),
                metrics: metrics, logger: storeTestLogger, abortGrace: .seconds(5), pollInterval: .milliseconds(200),
                election: election)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                defer { group.cancelAll() }
                #expect(await eventually(timeout: .seconds(20)) { await !launcher.started.isEmpty }, "the leader never started the run")
                let id = try #require(await launcher.started.first?.decisionID)
                #expect(await eventually(timeout: .seconds(5)) { (try? await store.decision(id: id))??.status == .running })

                // Another replica takes the lease over (as after a partition between A and the database): its
                // winning campaign, written in one statement so that A cannot renew in between.
                try cluster.psql("""
                    UPDATE leader_lease SET token = token + 1, holder = '\(b.id)', acquired_at = clock_timestamp(),
                        renewed_at = clock_timestamp(), expires_at = clock_timestamp() + interval '30 seconds' WHERE id = 1
                    """, database: database)
                #expect(await eventually(timeout: .seconds(3)) {
                    metrics.render().contains(#"gameday_schedule_aborts_total{reason="leadership-lost"} 1"#)
                }, "the deposed leader did not abort its run")
                #expect(await eventually(timeout: .seconds(5)) { metrics.render().contains(#"gameday_schedule_runs_in_progress 0"#) })
                // Its outcome write carried token 1: refused, so the decision waits for the new leader's settlement.
                #expect(try await store.decision(id: id)?.status == .running)
                try await Task.sleep(for: .seconds(1))
                #expect(await launcher.started.count == 1)
            }
        }
    }
}
