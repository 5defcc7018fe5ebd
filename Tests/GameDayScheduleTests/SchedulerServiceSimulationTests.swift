import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayCore
import GameDayTestSupport
import Logging
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// A clock whose sleeps complete at once by moving time forward (up to `limit`, after which it waits for
/// cancellation), so the service's whole loop runs on simulated time.
final class InstantClock: SchedulerClock, @unchecked Sendable {
    // @unchecked: `current` is only read and written under `lock`.
    private let lock = NSLock()
    private var current: Date
    let limit: Date

    init(start: Date, limit: Date) { current = start; self.limit = limit }

    func now() -> Date { lock.lock(); defer { lock.unlock() }; return current }

    func sleep(until date: Date) async throws {
        if date > limit {
            try await Task.sleep(for: .seconds(3600))
            return
        }
        lock.withLock { if date > current { current = date } }
        await Task.yield()
    }
}

/// A stand-in for `gameday run` that "runs" until it is cancelled (as SIGTERM would stop it), then exits 3.
actor FakeLauncher: RunLaunching {
    var started: [RunRequest] = []

    nonisolated func run(_ request: RunRequest, onSpawn: @escaping @Sendable (Int32) async -> Void) async -> RunResult {
        await record(request)
        await onSpawn(99_999)
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        return RunResult(exitCode: 3, runDir: nil)
    }

    func record(_ request: RunRequest) { started.append(request) }

    func recover(runDir: String) async -> RecoverOutcome { RecoverOutcome(exitCode: 0, output: "") }
}

struct FixedInspector: PlanInspecting {
    var summary: PlanSummary
    func inspect(plan: String) async throws -> PlanSummary { summary }
}

struct FixedOutageCheck: OutageChecking {
    var answer: [String]
    func unhealthy(_ checks: [HealthCheckSpec]) async -> [String] { checks.isEmpty ? [] : answer }
}

actor RecordingNotifier: ScheduleNotifying {
    var events: [ScheduleNotification] = []
    func notify(_ notification: ScheduleNotification) async { events.append(notification) }
}

/// The service's wiring on simulated time: window-end aborts and every start gate, with fakes for the processes.
@Suite struct SchedulerServiceSimulationTests {
    struct Outcome {
        var record: DecisionRecord
        var launcher: FakeLauncher
        var notifier: RecordingNotifier
        var metrics: ScheduleMetrics
    }

    /// Runs the service from 08:00Z on Monday 2027-03-15 (window 09:00-10:00 UTC) until the day's decision is final.
    func simulate(leashed: Bool = false, paused: Bool = false, killSwitch: Bool = false,
                  unhealthy: [String] = []) async throws -> Outcome {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let kill = folder.appendingPathComponent("pause").path
        if killSwitch { _ = FileManager.default.createFile(atPath: kill, contents: nil) }
        let configuration = ScheduleConfiguration(
            timeZone: Fixture.zone("UTC"), hours: BusinessHours(start: Fixture.time("09:00"), end: Fixture.time("10:00")),
            scenarios: [ScenarioConfiguration(name: "web", plan: "/p/web.yaml", meanDaysBetweenRuns: 1)],
            leashed: leashed, killSwitch: kill, outageCheck: ["storefront"],
            state: folder.appendingPathComponent("state.sqlite").path, runsDir: folder.appendingPathComponent("runs").path)
        let store = try ScheduleStore(path: configuration.state)
        if paused { try store.setPaused(true, reason: "change window", now: Date()) }
        let launcher = FakeLauncher()
        let notifier = RecordingNotifier()
        let metrics = ScheduleMetrics()
        let clock = InstantClock(start: Fixture.utc("2027-03-15T08:00:00Z"), limit: Fixture.utc("2027-03-15T12:00:00Z"))
        let checks = [HealthCheckSpec(name: "storefront", kind: .tcp(host: "127.0.0.1", port: 1))]
        let service = SchedulerService(
            configuration: configuration, store: store, seed: 5,
            dependencies: .init(inspector: FixedInspector(summary: PlanSummary(duration: .minutes(10), checks: checks)),
                                launcher: launcher, outageCheck: FixedOutageCheck(answer: unhealthy), notifier: notifier,
                                clock: clock),
            metrics: metrics, logger: Logger(label: "test"), abortGrace: .seconds(5))
        let record: DecisionRecord? = try await withThrowingTaskGroup(of: DecisionRecord?.self) { group in
            group.addTask { try await service.run(); return nil }
            group.addTask {
                // Bounded: the simulation reaches its limit within seconds.
                for _ in 0..<600 {
                    if let record = try store.history(limit: 1).first, record.status.isFinal { return record }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return Outcome(record: try #require(record, "the decision never became final"), launcher: launcher,
                       notifier: notifier, metrics: metrics)
    }

    /// A run still going at the window's end (minus the revert time) is aborted and recorded as such.
    @Test func abortsAtWindowEnd() async throws {
        let outcome = try await simulate()
        #expect(outcome.record.status == .aborted)
        #expect(outcome.record.reason == "window-end")
        #expect(outcome.record.endedAt.map { $0 >= Fixture.utc("2027-03-15T09:58:00Z") } == true)
        #expect(outcome.record.startAt >= Fixture.utc("2027-03-15T09:00:00Z"))
        #expect(outcome.record.startedAt.map { $0 >= outcome.record.startAt } == true)
        #expect(await outcome.launcher.started.map(\.decisionID) == ["2027-03-15/web"])
        #expect(await outcome.notifier.events.map(\.event) == [.start, .abort, .finish])
        let text = outcome.metrics.render()
        #expect(text.contains(#"gameday_schedule_aborts_total{reason="window-end"} 1"#))
        #expect(text.contains(#"gameday_schedule_runs_total{status="aborted"} 1"#))
    }

    /// Leashed: the decision is recorded at its time and nothing is started.
    @Test func leashed() async throws {
        let outcome = try await simulate(leashed: true)
        #expect(outcome.record.status == .leashed)
        #expect(await outcome.launcher.started.isEmpty)
    }

    /// Paused, kill switch and an outage each skip the decision with their reason; nothing starts.
    @Test(arguments: [("paused", true, false, [String]()), ("kill-switch", false, true, []), ("outage", false, false, ["storefront: down"])])
    func gatesSkip(reason: String, paused: Bool, killSwitch: Bool, unhealthy: [String]) async throws {
        let outcome = try await simulate(paused: paused, killSwitch: killSwitch, unhealthy: unhealthy)
        #expect(outcome.record.status == .skipped)
        #expect(outcome.record.reason == reason)
        #expect(await outcome.launcher.started.isEmpty)
        #expect(outcome.metrics.render().contains("gameday_schedule_skips_total{reason=\"\(reason)\"} 1"))
    }
}
