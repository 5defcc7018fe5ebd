import Foundation
import GameDayCore
import GameDayJournal
import GameDayTestSupport
import Testing
@testable import GameDaySchedule

/// Three real replicas, each with its own runs directory, on a throwaway PostgreSQL: the leader and its run die
/// together and the run directory goes with them, so only the journal mirrored into the store is left to act on.
@Suite(.serialized, .enabled(if: PostgresCluster.available || PostgresCluster.required, "\(PostgresCluster.unavailableReason)"))
struct MirrorTakeoverTests {
    /// The leader's machine is gone: once `applied()` holds (the run holds its fault), SIGKILL the leader and its
    /// `gameday run` (no revert) and remove the leader's runs directory; `stillApplied()` must hold right after.
    /// Then a new leader must settle the decision from the mirror: recorded interrupted ("mirrored" in the detail),
    /// the mirrored journal closed with run.end and no fault open, and no replica starting the decision again.
    /// Returns the settled record.
    static func killLeaderAndSettleFromTheMirror(_ fixture: ScheduleReplicas, applied: @escaping @Sendable () -> Bool,
                                                 stillApplied: @escaping @Sendable () -> Bool) async throws -> DecisionRecord? {
        let location = ScheduleStoreLocation.postgres(try PostgresLocation(parsing: fixture.url))
        return try await location.withStore(logger: storeTestLogger) { store in
            #expect(await eventually(timeout: .seconds(45)) { applied() }, "the fault was never applied: \(fixture.logs)")
            var running: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(5)) {
                running = try await store.history(limit: 1).first
                return running?.pid != nil
            })
            let decision = try #require(running)
            let status = try await store.clusterStatus()
            let leaderPid = try #require(status.replicas.first { $0.id == status.leader }?.pid)
            try #require(fixture.replica(pid: leaderPid) != nil, "the leader is not one of the test's replicas")
            kill(leaderPid, SIGKILL)
            if let pid = decision.pid { kill(pid, SIGKILL) }
            let deadRuns = try #require(decision.runsDir)
            try FileManager.default.removeItem(atPath: deadRuns)
            #expect(stillApplied(), "the SIGKILLed run reverted its fault by itself")

            var record: DecisionRecord?
            #expect(try await eventually(timeout: .seconds(40)) {
                record = try await store.decision(id: decision.id)
                return record?.status.isFinal == true
            }, "the decision was not settled: \(String(describing: record)) \(fixture.logs)")
            #expect(record?.status == .interrupted && record?.reason == "restart")
            #expect(record?.detail?.contains("mirrored") == true, "\(String(describing: record?.detail))")
            let mirrored = try await #require(store as? PostgresScheduleStore).mirroredJournal(decisionID: decision.id)
            let ledger = FaultLedger(events: mirrored.events)
            #expect(ledger.hasRunEnd && ledger.open.isEmpty, "the mirrored journal was not closed: \(mirrored.events.map(\.body.type))")
            // Never started twice: no replica made a run directory for it again.
            try await Task.sleep(for: .seconds(2))
            let again = fixture.replicas.indices.flatMap {
                JournalInspector.runDirectories(in: fixture.path("runs-\($0)") + "/" + decision.day.description + "/" + decision.scenario)
            }
            #expect(again.isEmpty, "the decision was started again: \(again)")
            return record
        }
    }

    /// Takeover from the mirror: a command fault holding a marker file; the new leader reverts it from the mirrored
    /// journal (the marker goes), closes the mirrored journal with run.end, records the decision as interrupted, and
    /// never starts it again.
    @Test(.timeLimit(.minutes(2))) func newLeaderRevertsTheDeadLeadersFaultFromTheMirror() async throws {
        let fixture = try ScheduleReplicas()
        // A replica stopped with SIGTERM aborts (and reverts) the run it leads.
        defer { fixture.remove() }
        let marker = fixture.path("marker")
        try fixture.start(scenario: "marker", plan: markerPlan(marker: marker), window: 60 + 10 + 20, extra: ["revertTime: 10s"], runsDirPerReplica: true)
        let exists: @Sendable () -> Bool = { FileManager.default.fileExists(atPath: marker) }
        let record = try await Self.killLeaderAndSettleFromTheMirror(fixture, applied: exists, stillApplied: exists)
        #expect(!exists(), "the dead leader's fault is still applied: \(String(describing: record?.detail))")
        print("mirror takeover: \(record?.status.rawValue ?? "-"): \(record?.detail ?? "-")")
    }

    /// Takeover with a real fault: the leader is SIGKILLed while its run holds a latency toxic on a real
    /// `gameday proxy` (Toxiproxy API on loopback); the new leader removes the toxic from the mirrored journal — the
    /// proxy's own API no longer lists it — records the run as interrupted, and never starts the decision again.
    @Test(.timeLimit(.minutes(2))) func newLeaderRemovesTheDeadLeadersToxicFromTheMirror() async throws {
        let fixture = try ScheduleReplicas()
        defer { fixture.remove() }
        let apiPort = try freeLoopbackPort(), listen = try freeLoopbackPort(), upstream = try freeLoopbackPort()
        try #"[{"name":"dep","listen":"127.0.0.1:\#(listen)","upstream":"127.0.0.1:\#(upstream)","enabled":true}]"#
            .write(toFile: fixture.path("proxies.json"), atomically: true, encoding: .utf8)
        let proxy = try ChildProcess(fixture.gameday, ["proxy", "--port", "\(apiPort)", "--config", fixture.path("proxies.json")],
                                     log: fixture.path("proxy.log"))
        defer { proxy.stop(grace: 5) }
        let toxics = "http://127.0.0.1:\(apiPort)/proxies/dep/toxics"
        #expect(await eventually(timeout: .seconds(20)) { MonitoringServer.get(toxics)?.body == "[]" }, "the proxy did not start: \(proxy.log)")
        try fixture.start(scenario: "slow", plan: """
            version: 1
            name: slow
            description: A latency toxic on a real proxy until it is reverted.
            environment: staging
            proxies:
              - { name: dep, api: "http://127.0.0.1:\(apiPort)" }
            timeline: { baseline: 0s, recovery: 0s }
            steps:
              - { name: slow, at: 0s, duration: 60s, fault: latency, proxy: dep, with: { latency: 100ms } }
            """, window: 60 + 10 + 20, extra: ["revertTime: 10s"], runsDirPerReplica: true)
        let held: @Sendable () -> Bool = { MonitoringServer.get(toxics).map { $0.status == 200 && $0.body.contains("latency") } ?? false }
        let record = try await Self.killLeaderAndSettleFromTheMirror(fixture, applied: held, stillApplied: held)
        let after = MonitoringServer.get(toxics)
        #expect(after?.status == 200 && after?.body == "[]", "the dead leader's toxic is still on the proxy: \(String(describing: after)) \(String(describing: record?.detail))")
        print("proxy takeover: \(record?.status.rawValue ?? "-"): \(record?.detail ?? "-")")
    }
}
