import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle
import Testing
@testable import GameDaySchedule
import GameDayCalendar

@Suite struct ScheduleMetricsTests {
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
