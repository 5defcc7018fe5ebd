import Foundation
import GameDayCore
import GameDayTestSupport
import Logging
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// The store backends the shared suite runs on: SQLite always; PostgreSQL where a throwaway cluster can run (root and
/// Debian's postgresql), and always when GAMEDAY_REQUIRE_ROOT_TESTS=1 (so CI fails rather than leaves it out).
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    static let available: [StoreBackend] = {
        if PostgresCluster.available || PostgresCluster.required { return [.sqlite, .postgres] }
        print("note: \(PostgresCluster.unavailableReason); the store suite runs on SQLite only")
        return [.sqlite]
    }()

    /// A fresh, empty store location (a new file, or a new database on the shared cluster) for `body`.
    func withFreshLocation(_ body: (ScheduleStoreLocation) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let folder = Fixture.temporaryFolder()
            defer { Fixture.cleanup(folder) }
            try await body(.sqlite(path: folder.appendingPathComponent("state.sqlite").path))
        case .postgres:
            try await PostgresCluster.shared().withDatabase { url in try await body(.postgres(try PostgresLocation(parsing: url))) }
        }
    }

    /// Records a schema version newer than any this binary knows, as a newer gameday would.
    func writeNewerSchema(_ location: ScheduleStoreLocation) throws {
        switch location {
        case .sqlite(let path):
            try ScheduleStore(path: path).recordForeignMigration("v99-from-the-future")
        case .postgres(let postgres):
            try PostgresCluster.shared().psql("INSERT INTO gameday_schema (version) VALUES (99)", database: postgres.database)
        }
    }
}

let storeTestLogger = Logger(label: "gameday.schedule.test")

/// The one store contract, run against every backend.
@Suite struct ScheduleStoringTests {
    static let replica = ReplicaIdentity(id: "test/1/a", host: "test", pid: 1)

    /// Opens the store and takes the lease (a no-op for SQLite), as a leading daemon would before writing.
    static func withLeadingStore(_ location: ScheduleStoreLocation, _ body: @Sendable (any ScheduleStoring) async throws -> Void) async throws {
        try await location.withStore(logger: storeTestLogger) { store in
            let lease = try await store.campaign(replica: replica, ttl: .seconds(30))
            #expect(lease.leading)
            try await body(store)
        }
    }

    /// A day is planned once; a second save (a restarted or second leader) changes nothing.
    @Test(arguments: StoreBackend.available) func plansOnce(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            try await Self.withLeadingStore(location) { store in
                let now = Fixture.utc("2027-03-15T06:00:00Z")
                #expect(try await store.savePlan(Fixture.dayPlan(skipped: ["db"]), now: now))
                #expect(try await !store.savePlan(Fixture.dayPlan(scenarios: ["other"]), now: now))
                let records = try await store.decisions(day: Fixture.day("2027-03-15"))
                #expect(records.map(\.id).sorted() == ["2027-03-15/db", "2027-03-15/web"])
                let web = try #require(records.first { $0.scenario == "web" })
                #expect(web.status == .planned && web.seed == UInt64.max && web.plannedDuration == .minutes(20))
                let db = try #require(records.first { $0.scenario == "db" })
                #expect(db.status == .skipped && db.reason == "minimum-gap" && db.detail == "too soon")
                #expect(try await store.isPlanned(day: Fixture.day("2027-03-15")))
                #expect(try await !store.isPlanned(day: Fixture.day("2027-03-16")))
            }
        }
    }

    /// `planned` -> `starting` succeeds exactly once, even through a second connection; every transition is
    /// conditional on the state it leaves, and the record reads back exactly.
    @Test(arguments: StoreBackend.available) func startsOnceAcrossConnections(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            try await Self.withLeadingStore(location) { first in
                try await Self.withLeadingStore(location) { second in
                    let now = Fixture.utc("2027-03-15T08:00:00Z")
                    let id = "2027-03-15/web"
                    try await first.savePlan(Fixture.dayPlan(), now: now)
                    #expect(try await first.markStarting(id: id, runsDir: "/r/web", now: now))
                    #expect(try await !second.markStarting(id: id, runsDir: "/r/web", now: now))
                    #expect(try await !second.markSkipped(id: id, reason: .paused, detail: "late", now: now))
                    #expect(try await second.markRunning(id: id, pid: 4242, now: now))
                    #expect(try await second.unresolved().map(\.pid) == [4242])
                    #expect(try await first.markFinished(id: id, status: .held, reason: nil, detail: "ok", exitCode: 0,
                                                         runDir: "/r/web/x", now: now))
                    #expect(try await !first.markFinished(id: id, status: .failed, reason: nil, detail: "again", exitCode: 1,
                                                          runDir: nil, now: now))
                    let record = try #require(try await second.decision(id: id))
                    #expect(record.status == .held && record.exitCode == 0 && record.postmortem == "/r/web/x/postmortem.md")
                    #expect(record.runsDir == "/r/web" && record.startedAt == now && record.endedAt == now && record.pid == 4242)
                    #expect(try await second.unresolved().isEmpty)
                    #expect(try await second.decision(id: "2027-03-15/none") == nil)
                }
            }
        }
    }

    /// Last runs count started and leashed decisions, not skipped or planned ones; history is newest first.
    @Test(arguments: StoreBackend.available) func lastRunsAndHistory(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            try await Self.withLeadingStore(location) { store in
                let now = Fixture.utc("2027-03-15T06:00:00Z")
                try await store.savePlan(Fixture.dayPlan(day: "2027-03-15", scenarios: ["web", "db"], skipped: ["cache"]), now: now)
                try await store.savePlan(Fixture.dayPlan(day: "2027-03-16", scenarios: ["web"]), now: now)
                _ = try await store.markStarting(id: "2027-03-15/web", runsDir: "/r", now: now)
                try await store.markFinished(id: "2027-03-15/web", status: .aborted, reason: "window-end", detail: nil,
                                             exitCode: 3, runDir: nil, now: now)
                try await store.markLeashed(id: "2027-03-15/db", now: now)
                #expect(try await store.lastRuns() == ["web": Fixture.day("2027-03-15"), "db": Fixture.day("2027-03-15")])
                #expect(try await store.history(limit: 10).map(\.id) == ["2027-03-16/web", "2027-03-15/db", "2027-03-15/web", "2027-03-15/cache"])
                #expect(try await store.history(limit: 1).count == 1)
                let web = try #require(try await store.decision(id: "2027-03-15/web"))
                #expect(web.status == .aborted && web.reason == "window-end" && web.exitCode == 3)
            }
        }
    }

    /// Pause state and the seed survive reopening the store; the first stored seed wins.
    @Test(arguments: StoreBackend.available) func pauseAndSeedPersist(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            try await location.withStore(logger: storeTestLogger) { store in
                #expect(try await store.pausedReason() == nil)
                #expect(try await store.storedSeed() == nil)
                try await store.setPaused(true, reason: "incident", now: Date(timeIntervalSince1970: 0))
                #expect(try await store.seed(orStore: 7) == 7)
            }
            try await location.withStore(logger: storeTestLogger) { store in
                #expect(try await store.pausedReason() == "incident")
                #expect(try await store.seed(orStore: 99) == 7)
                try await store.setPaused(false, reason: nil, now: Date(timeIntervalSince1970: 1))
                #expect(try await store.pausedReason() == nil)
                try await store.setPaused(true, reason: nil, now: Date(timeIntervalSince1970: 2))
                #expect(try await store.pausedReason() == "")
            }
        }
    }

    /// Migrations are versioned and applied once at open; a store whose schema is newer than this binary knows is
    /// refused with a message saying to upgrade, not used.
    @Test(arguments: StoreBackend.available) func refusesANewerSchema(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            let version = try await location.withStore(logger: storeTestLogger) { try await $0.schemaVersion() }
            #expect(version >= 1)
            #expect(try await location.withStore(logger: storeTestLogger) { try await $0.schemaVersion() } == version)
            try backend.writeNewerSchema(location)
            let error = await #expect(throws: ScheduleStoreError.self) {
                try await location.withStore(logger: storeTestLogger) { _ in }
            }
            #expect(error.map { "\($0)".contains("newer") && "\($0)".contains("upgrade gameday") } == true)
        }
    }

    /// A store always has a lease for a campaigning replica: SQLite's sole daemon always leads; on PostgreSQL the
    /// first replica wins token 1 and keeps it while renewing.
    @Test(arguments: StoreBackend.available) func firstCampaignLeads(backend: StoreBackend) async throws {
        try await backend.withFreshLocation { location in
            try await location.withStore(logger: storeTestLogger) { store in
                let first = try await store.campaign(replica: Self.replica, ttl: .seconds(30))
                let renewed = try await store.campaign(replica: Self.replica, ttl: .seconds(30))
                #expect(first.leading && renewed.leading && first.token == 1 && renewed.token == 1)
                #expect(try await store.clusterStatus().backend == backend.rawValue)
            }
        }
    }
}
