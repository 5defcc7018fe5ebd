import GameDayTestSupport
import Logging
@testable import GameDaySchedule

/// The calendar constructors and temporary folders shared with the calendar's and the scheduler's unit tests.
typealias Fixture = ScheduleFixture

let storeTestLogger = Logger(label: "gameday.schedule.integration-test")

/// Runs `body` with a fresh, empty database on the process's shared PostgreSQL cluster, dropped afterwards.
func withFreshPostgres(_ body: (ScheduleStoreLocation) async throws -> Void) async throws {
    try await PostgresCluster.shared().withDatabase { url in try await body(.postgres(try PostgresLocation(parsing: url))) }
}

/// A plan whose one command fault creates `marker` and holds it for 60 s, until it is reverted (the takeover tests').
func markerPlan(marker: String) -> String {
    """
    version: 1
    name: marker
    description: A command fault that creates a marker file until it is reverted.
    environment: staging
    timeline: { baseline: 0s, recovery: 0s }
    steps:
      - { name: marker, at: 0s, duration: 60s, fault: command, with: { inject: [touch, \(marker)], revert: [rm, -f, \(marker)] } }
    """
}
