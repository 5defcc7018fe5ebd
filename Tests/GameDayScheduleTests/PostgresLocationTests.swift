import Foundation
import Testing
@testable import GameDaySchedule

/// Reading `--store` / `store:` URLs and the password sources (pure, but for the password file's mode).
@Suite struct PostgresLocationTests {
    /// A full URL reads back exactly; the port defaults to 5432; sslmode is understood.
    @Test func parses() throws {
        let location = try PostgresLocation(parsing: "postgres://gameday@db.example:6543/chaos?sslmode=require")
        #expect(location == PostgresLocation(user: "gameday", host: "db.example", port: 6543, database: "chaos", tls: .require))
        #expect(try PostgresLocation(parsing: "postgresql://u@h/d").port == 5432)
        #expect(location.description == "postgres://gameday@db.example:6543/chaos")
    }

    /// A password in the URL is refused with a message that says where it belongs, and never echoes it.
    @Test func refusesAPasswordInTheURL() {
        let error = #expect(throws: ScheduleStoreError.self) {
            try PostgresLocation(parsing: "postgres://gameday:s3cret@db.example:5432/chaos")
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("PGPASSWORD") && text.contains(".pgpass") && !text.contains("s3cret"))
    }

    /// Missing user, host or database, and unknown options, are each a message with the URL's shape.
    @Test(arguments: ["postgres://db.example/chaos", "postgres://u@/chaos", "postgres://u@h:5432/", "postgres://u@h/d?foo=1",
                      "mysql://u@h/d"])
    func refusesIncompleteURLs(url: String) {
        let error = #expect(throws: ScheduleStoreError.self) { try PostgresLocation(parsing: url) }
        #expect(error.map { "\($0)".contains("postgres://") } == true)
    }

    /// PGPASSWORD wins; else the first matching .pgpass line (wildcards, escapes), else none.
    @Test func passwordSources() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let file = folder.appendingPathComponent("pgpass").path
        try """
        # comment
        other:5432:chaos:gameday:wrong
        db.example:*:chaos:gameday:pa\\:ss
        *:*:*:*:fallback
        """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let location = try PostgresLocation(parsing: "postgres://gameday@db.example:6543/chaos")
        #expect(try location.password(environment: ["PGPASSWORD": "env", "PGPASSFILE": file]) == "env")
        #expect(try location.password(environment: ["PGPASSFILE": file]) == "pa:ss")
        #expect(try PostgresLocation(parsing: "postgres://x@y/z").password(environment: ["PGPASSFILE": file]) == "fallback")
        #expect(try location.password(environment: ["PGPASSFILE": folder.appendingPathComponent("none").path]) == nil)
        chmod(file, 0o644)
        let error = #expect(throws: ScheduleStoreError.self) { try location.password(environment: ["PGPASSFILE": file]) }
        #expect(error.map { "\($0)".contains("chmod 600") } == true)
    }
}
