import Testing
@testable import GameDaySchedule

/// How the scheduler hands the mirror to `gameday run`: environment only, all or nothing, never a password.
struct JournalMirrorTargetTests {
    /// The variables the scheduler sets are read back to the same target, with the TLS mode kept.
    @Test func environmentRoundTrips() throws {
        let target = JournalMirrorTarget(location: PostgresLocation(user: "gameday", host: "db", port: 6543, database: "chaos", tls: .require),
                                         decisionID: "2026-11-30/web", fence: 42)
        #expect(try JournalMirrorTarget.fromEnvironment(target.environment) == target)
        #expect(target.environment.count == 3)
        #expect(try JournalMirrorTarget.fromEnvironment([:]) == nil)
    }

    /// A half-set environment or a password in the URL is an error that says what to do, not a silently unmirrored run.
    @Test func halfSetOrSecretBearingEnvironmentIsRefused() {
        #expect(throws: ScheduleStoreError.self) { try JournalMirrorTarget.fromEnvironment(["GAMEDAY_JOURNAL_MIRROR": "postgres://u@h/d"]) }
        #expect(throws: ScheduleStoreError.self) {
            try JournalMirrorTarget.fromEnvironment(["GAMEDAY_JOURNAL_MIRROR": "postgres://u:secret@h/d",
                                                     "GAMEDAY_JOURNAL_MIRROR_DECISION": "d", "GAMEDAY_JOURNAL_MIRROR_FENCE": "1"])
        }
    }
}
