import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// Leader election and fencing on a real PostgreSQL (a throwaway cluster), with short TTLs.
@Suite(.enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct PostgresLeadershipTests {
    static let a = ReplicaIdentity(id: "host-a/1/a", host: "host-a", pid: 1)
    static let b = ReplicaIdentity(id: "host-b/2/b", host: "host-b", pid: 2)

    /// One leader at a time: a second replica follows while the lease is live, takes over with a larger token once
    /// it expires, and the deposed leader's late write (with its old token) is rejected by the database.
    @Test func exclusiveLeadershipAndFencing() async throws {
        try await withFreshPostgres { location in
            try await location.withStore(logger: storeTestLogger) { first in
                try await location.withStore(logger: storeTestLogger) { second in
                    let ttl = TimeSpan.milliseconds(800)
                    let leaseA = try await first.campaign(replica: Self.a, ttl: ttl)
                    #expect(leaseA.leading && leaseA.token == 1)
                    let now = Fixture.utc("2027-03-15T06:00:00Z")
                    #expect(try await first.savePlan(Fixture.dayPlan(scenarios: ["web", "db"]), now: now))
                    let followB = try await second.campaign(replica: Self.b, ttl: ttl)
                    #expect(!followB.leading && followB.holder == Self.a.id && followB.token == 1)
                    // B does not lead: its writes carry no token and are refused.
                    await #expect(throws: StaleFencingTokenError.self) {
                        try await second.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now)
                    }
                    // A stops renewing (frozen); B takes over once the lease has run out.
                    var leaseB: LeaseStatus?
                    let tookOver = try await eventually(timeout: .seconds(5), every: .milliseconds(100)) {
                        leaseB = try await second.campaign(replica: Self.b, ttl: .seconds(30))
                        return leaseB?.leading == true
                    }
                    #expect(tookOver && leaseB?.token == 2)
                    // A's late write, still carrying token 1, is fenced off; the decision is untouched.
                    let error = await #expect(throws: StaleFencingTokenError.self) {
                        try await first.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now)
                    }
                    #expect(error?.token == 1)
                    #expect(try await second.decision(id: "2027-03-15/web")?.status == .planned)
                    #expect(try await second.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now))
                    // A, waking, learns it follows and keeps not writing.
                    let backA = try await first.campaign(replica: Self.a, ttl: ttl)
                    #expect(!backA.leading && backA.holder == Self.b.id && backA.token == 2)
                    await #expect(throws: StaleFencingTokenError.self) {
                        try await first.markSkipped(id: "2027-03-15/db", reason: .paused, detail: "x", now: now)
                    }
                    let status = try await second.clusterStatus()
                    #expect(status.leader == Self.b.id && status.token == 2 && Set(status.replicas.map(\.id)) == [Self.a.id, Self.b.id])
                }
            }
        }
    }

    /// A leader that resigns (graceful shutdown) frees the lease at once: the next campaign wins without waiting
    /// for the TTL, with a new token.
    @Test func resignFreesTheLease() async throws {
        try await withFreshPostgres { location in
            try await location.withStore(logger: storeTestLogger) { store in
                #expect(try await store.campaign(replica: Self.a, ttl: .seconds(60)).leading)
                #expect(try await !store.campaign(replica: Self.b, ttl: .seconds(60)).leading)
                try await store.resign(replica: Self.a)
                let lease = try await store.campaign(replica: Self.b, ttl: .seconds(60))
                #expect(lease.leading && lease.token == 2)
                let history = try await #require(store as? PostgresScheduleStore).leadershipHistory()
                #expect(history.map(\.token) == [1, 2] && history.map(\.holder) == [Self.a.id, Self.b.id])
                #expect(history[0].until <= history[1].from)
            }
        }
    }

    /// Replicas migrating the same empty database at once (three starting together) all succeed, once.
    @Test func concurrentMigrations() async throws {
        try await withFreshPostgres { location in
            let versions = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask { try await location.withStore(logger: storeTestLogger) { try await $0.schemaVersion() } }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(versions == Array(repeating: PostgresScheduleStore.knownSchemaVersion, count: 3))
        }
    }

    /// A database that is not there is a bounded, clear error naming the store, not a hang or a raw PSQLError.
    @Test func unreachableDatabase() async throws {
        let port = try freeLoopbackPort()
        let location = try PostgresLocation(parsing: "postgres://gameday@127.0.0.1:\(port)/chaos?sslmode=disable")
        let error = await #expect(throws: ScheduleStoreError.self) {
            try await PostgresScheduleStore.withStore(location, logger: storeTestLogger, operationTimeout: .seconds(3)) { _ in }
        }
        #expect(error.map { "\($0)".contains("postgres://gameday@127.0.0.1:\(port)/chaos") } == true)
    }

    /// PostgreSQL restarted under a leader: while it is down the store fails with a clear error and the leader's
    /// campaign cannot renew; once it is back the same store reconnects by itself, the lease and the decisions are
    /// intact, and leadership resumes (with a new token once the old lease ran out).
    @Test(.timeLimit(.minutes(1))) func reconnectsAfterADatabaseRestart() async throws {
        let cluster = try PostgresCluster.start()  // its own cluster: the shared one serves other tests meanwhile
        defer { cluster.remove() }
        let database = try cluster.createDatabase()
        let location = try PostgresLocation(parsing: cluster.url(database: database))
        try await PostgresScheduleStore.withStore(location, logger: storeTestLogger, operationTimeout: .seconds(2)) { store in
            let now = Fixture.utc("2027-03-15T06:00:00Z")
            #expect(try await store.campaign(replica: Self.a, ttl: .seconds(1)).leading)
            #expect(try await store.savePlan(Fixture.dayPlan(), now: now))
            try cluster.stopServer()
            await #expect(throws: ScheduleStoreError.self) { try await store.campaign(replica: Self.a, ttl: .seconds(1)) }
            try cluster.startServer()
            var lease: LeaseStatus?
            #expect(try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                lease = try? await store.campaign(replica: Self.a, ttl: .seconds(30))
                return lease?.leading == true
            })
            #expect(lease?.token == 2)
            #expect(try await store.decisions(day: Fixture.day("2027-03-15")).map(\.status) == [.planned])
            #expect(try await store.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now))
        }
    }
}
