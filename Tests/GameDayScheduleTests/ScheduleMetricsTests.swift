import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle
import Testing
@testable import GameDaySchedule
import GameDayCalendar
import GameDayCore

@Suite struct ScheduleMetricsTests {
    /// Faults of the scheduled run appear as `gameday_fault_active` (the series `gameday run --metrics-listen`
    /// serves): 1 from its inject.begin (it may be applied: the same view as `gameday recover` and the faults_active
    /// gauge), 0 once reverted, one series per fault with its step, kind and target.
    @Test func faultActiveFollowsTheJournal() {
        let metrics = ScheduleMetrics()
        var ledger = FaultLedger()
        let begin = InjectBegin(faultID: "f1", step: "lose-one-web", stepIndex: 0, fault: "node-loss", target: "web-2",
                                description: "SIGKILL web-2", recipe: .command(CommandRevert(argv: ["true"])))
        ledger.apply(JournalEvent(seq: 1, t: 0, wall: 0, body: .injectBegin(begin)))
        metrics.setFaults(run: "r1", ledger: ledger)
        let series = #"gameday_fault_active{run="r1",step="lose-one-web",fault="node-loss",target="web-2"}"#
        #expect(metrics.render().contains(series + " 1"), "journaled, so possibly applied")
        ledger.apply(JournalEvent(seq: 2, t: 1, wall: 1, body: .injectEnd(FaultOutcome(faultID: "f1", ok: true))))
        metrics.setFaults(run: "r1", ledger: ledger)
        #expect(metrics.render().contains(series + " 1"))
        ledger.apply(JournalEvent(seq: 3, t: 2, wall: 2, body: .revertBegin(RevertBegin(faultID: "f1", reason: .scheduled))))
        ledger.apply(JournalEvent(seq: 4, t: 3, wall: 3, body: .revertEnd(FaultOutcome(faultID: "f1", ok: true))))
        metrics.setFaults(run: "r1", ledger: ledger)
        #expect(metrics.render().contains(series + " 0"))
    }

    /// Every skip and abort reason is exported from the start (as zero); counts move with events.
    @Test func rendersAllSeries() {
        let metrics = ScheduleMetrics()
        metrics.decided(3)
        metrics.skipped(.outage)
        metrics.aborted(.windowEnd)
        metrics.runFinished(.held)
        metrics.setFaultsActive(2)
        let text = metrics.render()
        for reason in SkipReason.allCases { #expect(text.contains("gameday_schedule_skips_total{reason=\"\(reason.rawValue)\"}")) }
        #expect(text.contains("gameday_schedule_skips_total{reason=\"outage\"} 1"))
        #expect(text.contains("gameday_schedule_decisions_total 3"))
        #expect(text.contains("gameday_schedule_aborts_total{reason=\"window-end\"} 1"))
        #expect(text.contains("gameday_schedule_aborts_total{reason=\"shutdown\"} 0"))
        #expect(text.contains("gameday_schedule_runs_total{status=\"held\"} 1"))
        #expect(text.contains("gameday_schedule_faults_active 2"))
    }

    /// The endpoint serves the metrics over HTTP on a loopback port.
    @Test func servesOverHTTP() async throws {
        let metrics = ScheduleMetrics()
        metrics.skipped(.paused)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = metrics.server(host: "127.0.0.1", port: 0, logger: Logger(label: "test")) { continuation.yield($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: data, as: UTF8.self).contains("gameday_schedule_skips_total{reason=\"paused\"} 1"))
            group.cancelAll()
        }
    }
}
