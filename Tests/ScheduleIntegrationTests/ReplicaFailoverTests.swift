import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// Three real `gameday schedule run` replicas on one throwaway PostgreSQL, with a 2 s lease TTL.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct ReplicaFailoverTests {
    static let ttl = 2.0

    /// Exactly one replica leads at a time, as the database's own token history shows; SIGKILL the leader and another
    /// leads within TTL + 2 s; SIGSTOP the next one past its TTL and a third takes over, and the stopped one, woken,
    /// finds it lost the lease. `gameday schedule status` shows the leader and its token.
    @Test(.timeLimit(.minutes(2))) func failoverAndExclusiveLeadership() async throws {
        let fixture = try ScheduleReplicas()
        defer { fixture.remove() }
        try fixture.start(scenario: "touch", plan: ScheduleReplicas.leashedPlan, window: 600, leaseTTL: "\(Int(Self.ttl))s", extra: ["leashed: true"])
        let replicas = fixture.replicas
        let pids = Set(replicas.map(\.process.processIdentifier))
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: fixture.url))
        try await location.withStore(logger: storeTestLogger) { store in
            /// The leading replica's pid, once all three have campaigned and one leads with a token above `after`.
            func leader(after token: Int64, timeout: Double) async throws -> (pid: Int32, token: Int64)? {
                var found: (Int32, Int64)?
                _ = try await eventually(timeout: .milliseconds(Int64(timeout * 1000)), every: .milliseconds(50)) {
                    let status = try await store.clusterStatus()
                    guard status.token > token, let id = status.leader,
                          let pid = status.replicas.first(where: { $0.id == id })?.pid, pids.contains(pid) else { return false }
                    found = (pid, status.token)
                    return true
                }
                return found
            }
            let first = try #require(try await leader(after: 0, timeout: 20), "no replica led: \(fixture.logs)")

            // SIGKILL the leader: another leads within TTL + 2 s.
            kill(first.pid, SIGKILL)
            let killedAt = ContinuousClock.now
            let second = try #require(try await leader(after: first.token, timeout: Self.ttl + 2))
            let failover = ContinuousClock.now - killedAt
            #expect(second.pid != first.pid && failover < .milliseconds(Int64((Self.ttl + 2) * 1000)))
            print("failover after SIGKILL with a \(Self.ttl) s TTL: \(failover)")

            // SIGSTOP the new leader past its TTL: the third replica takes over; woken, the stopped one follows.
            kill(second.pid, SIGSTOP)
            let third = try #require(try await leader(after: second.token, timeout: Self.ttl + 2))
            #expect(third.pid != second.pid && third.pid != first.pid)
            kill(second.pid, SIGCONT)
            let stopped = try #require(replicas.first { $0.process.processIdentifier == second.pid })
            #expect(try await eventually(timeout: .seconds(10)) { stopped.log.contains("lost the lease") }, "\(stopped.log)")
            let leaderNow = try await store.clusterStatus().leader
            #expect(leaderNow.map { $0.split(separator: "/")[1] } == Substring("\(third.pid)"))

            // The database's own history: tokens 1, 2, 3 in order, each leadership over before the next began.
            let history = try await #require(store as? PostgresScheduleStore).leadershipHistory()
            #expect(history.map(\.token) == [1, 2, 3])
            for (earlier, later) in zip(history, history.dropFirst()) {
                #expect(earlier.until <= later.from, "leaderships \(earlier.token) and \(later.token) overlap")
            }
            #expect(history.map(\.holder).map { $0.split(separator: "/")[1] } == ["\(first.pid)", "\(second.pid)", "\(third.pid)"].map { Substring($0) })
        }
        let status = try ChildProcess(fixture.gameday, ["schedule", "status", "--config", fixture.config()], log: fixture.path("status.log"))
        status.process.waitUntilExit()
        let output = String(decoding: status.stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(status.process.terminationStatus == 0 && output.contains("token 3") && output.contains("replicas: "), "\(output)\(status.log)")
    }
}

/// `--store` on the command line.
@Suite struct ScheduleStoreOptionTests {
    /// A password in `--store` is refused (exit 2) with where to put it instead, and the password is not echoed.
    @Test func refusesAPasswordOnTheCommandLine() throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let config = folder.appendingPathComponent("schedule.yaml").path
        try """
        version: 1
        timeZone: UTC
        hours: { start: "09:00", end: "17:00" }
        scenarios: [{ plan: p.yaml, meanDaysBetweenRuns: 5 }]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let child = try SchedulerServiceTests.Child(gameday, ["schedule", "status", "--config", config,
                                                              "--store", "postgres://gameday:hunter2@127.0.0.1:1/chaos"],
                                                    log: folder.appendingPathComponent("stderr.log").path)
        child.process.waitUntilExit()
        #expect(child.process.terminationStatus == 2)
        #expect(child.log.contains("PGPASSWORD") && !child.log.contains("hunter2"), "\(child.log)")
    }
}
