import Foundation
import GameDayCore
import GameDayTestSupport
import Logging
import ServiceLifecycle
import Testing
@testable import GameDaySchedule
import GameDayCalendar

/// The scheduler's abort path with real processes: the real `gameday` executable runs the plan and recovers it;
/// the scheduler service runs in the test (so its abort grace can be a few seconds) on the system clock.
@Suite(.serialized) struct AbortRecoveryTests {
    /// A process's command line (read with POSIX calls: /proc files report a size of 0).
    static func commandLine(of pid: Int32) -> String { ChildProcess.commandLine(of: pid) }

    /// A run aborted by the scheduler whose revert hangs past the grace is SIGKILLed; the scheduler then reads the
    /// run's journal, sees the fault still applied, runs `gameday recover` on the run directory, and records that
    /// recover (not the run) reverted it. On the original code it recorded "the run reverted" and left it applied.
    @Test(.timeLimit(.minutes(4))) func killedRunIsRecoveredAndTheTruthRecorded() async throws {
        let gameday = try SchedulerServiceTests.gamedayExecutable()
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let marker = folder.appendingPathComponent("marker").path
        let hang = folder.appendingPathComponent("hang").path
        let sleeper = folder.appendingPathComponent("sleeper.pid").path
        defer {
            // The hung revert (a `sleep` this test made) never outlives the test.
            if let text = try? String(contentsOfFile: sleeper, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               Self.commandLine(of: pid).hasPrefix("sleep") {
                kill(pid, SIGKILL)
            }
        }
        _ = FileManager.default.createFile(atPath: hang, contents: nil)
        // The first revert consumes the hang file and hangs (well past the grace); any later revert removes the marker.
        let revert = "if [ -e '\(hang)' ]; then rm -f '\(hang)'; echo $$ > '\(sleeper)'; exec sleep 120; fi; rm -f '\(marker)'"
        let plan = folder.appendingPathComponent("hang.yaml")
        try """
        version: 1
        name: hang-revert
        description: A command fault whose first revert hangs.
        environment: staging
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - name: marker
            at: 0s
            duration: 60s
            fault: command
            with:
              inject: [touch, \(marker)]
              revert: [sh, -c, "\(revert)"]
              timeout: 90s
        """.write(to: plan, atomically: true, encoding: .utf8)

        let (zone, hours) = Fixture.windowAroundNow(seconds: 60 + 10 + 20)
        let configuration = ScheduleConfiguration(
            timeZone: zone, workdays: Set(Weekday.allCases), hours: hours,
            scenarios: [ScenarioConfiguration(name: "hang", plan: plan.path, meanDaysBetweenRuns: 1)],
            state: folder.appendingPathComponent("state.sqlite").path, runsDir: folder.appendingPathComponent("runs").path,
            seed: 3, revertTime: .seconds(10))
        let store = try ScheduleStore(path: configuration.state)
        var logger = Logger(label: "abort-test")
        logger.logLevel = .info
        let process = GameDayProcess(executable: gameday, logger: logger)
        let service = SchedulerService(
            configuration: configuration, store: store, seed: 3,
            dependencies: .init(inspector: process, launcher: process, outageCheck: NoOutageCheck(),
                                notifier: nil, clock: SystemSchedulerClock()),
            metrics: ScheduleMetrics(), logger: logger, abortGrace: .seconds(4), pollInterval: .milliseconds(500))
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Bounded: the run starts within the window's first seconds (its start time is at most 20 s ahead).
            let deadline = Date().addingTimeInterval(90)
            while !FileManager.default.fileExists(atPath: marker) && Date() < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            let applied = FileManager.default.fileExists(atPath: marker)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            try #require(applied, "the fault was never applied: \(String(describing: try? store.history(limit: 1).first))")
        }

        let record = try #require(try store.history(limit: 1).first)
        #expect(FileManager.default.fileExists(atPath: sleeper), "the revert never hung, so the test proved nothing")
        // The hung revert died with the run's process group.
        if let text = try? String(contentsOfFile: sleeper, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            #expect(!Self.commandLine(of: pid).hasPrefix("sleep"), "the hung revert outlived the killed run")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "the fault is still applied after the scheduler settled the run")
        #expect(record.status == .aborted, "status \(record.status), detail \(record.detail ?? "-")")
        #expect(record.reason == "shutdown")
        #expect(record.detail?.contains("gameday recover reverted 0.") == true, "detail: \(record.detail ?? "-")")
        #expect(record.detail?.contains("killed after the grace") == true, "detail: \(record.detail ?? "-")")
        let runDir = try #require(record.runDir)
        let journal = try String(contentsOfFile: runDir + "/journal.jsonl", encoding: .utf8)
        #expect(journal.contains(#""reason":"recover""#), "recover did not journal its revert")
    }
}

/// No outage, ever (the plan has no outage checks; the simulation suites' fakes stay with the unit tests).
struct NoOutageCheck: OutageChecking {
    func unhealthy(_ checks: [HealthCheckSpec]) async -> [String] { [] }
}
