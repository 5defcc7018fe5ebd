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

/// End to end: the real `gameday schedule run` daemon, the real demo fleet and real `gameday run` children. The test
/// opens a business-hours window a few seconds ahead and watches the daemon decide, check for an outage, run the
/// scenario (a command fault touching a marker file, with a health check on the fleet's balancer), revert and record.
@Suite(.serialized) struct SchedulerServiceTests {
    /// The gameday executable next to the test runner.
    static func gamedayExecutable() throws -> String { try GameDayExecutable.require() }

    /// A started child process, stopped (SIGTERM, then SIGKILL) when the test ends.
    typealias Child = ChildProcess

    struct Setup {
        var folder: URL
        var gameday: String
        var fleet: Child?
        var balancer: String
        var marker: String
        var config: String
        var state: String
    }

    /// Starts the demo fleet and writes the plan and the scheduler configuration (window opening in ~8 s).
    /// Keep `windowSeconds` small: the seeded start time falls anywhere in the part of the window the run fits in,
    /// and which part depends on the date the test runs.
    ///
    /// - Parameters:
    ///   - deadBalancer: instead of starting the fleet, point the health check at a closed loopback port.
    ///   - webhookPort: where the daemon posts notifications.
    ///   - withHealth: false: no fleet, no health check and no outage check (for tests about the daemon itself).
    static func setUp(stepDuration: String, windowSeconds: Int, deadBalancer: Int? = nil, webhookPort: Int? = nil,
                      withHealth: Bool = true) throws -> Setup {
        let gameday = try gamedayExecutable()
        let folder = Fixture.temporaryFolder()
        var fleet: Child?
        let balancer: String
        if !withHealth {
            balancer = "http://127.0.0.1:1"
        } else if let deadBalancer {
            balancer = "http://127.0.0.1:\(deadBalancer)"
        } else {
            let started = try Child(gameday, ["demo-fleet", "up", "--dir", folder.appendingPathComponent("fleet").path],
                                    log: folder.appendingPathComponent("fleet.log").path)
            fleet = started
            guard let line = started.firstLine(timeout: 90), let data = line.data(using: .utf8),
                  let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let url = json["balancerURL"] as? String else {
                started.stop()
                throw ScheduleRunError(message: "the demo fleet did not report ready: \(started.log.suffix(2000))")
            }
            balancer = url
        }
        let marker = folder.appendingPathComponent("marker").path
        let plan = folder.appendingPathComponent("e2e.yaml")
        let healthBlock = !withHealth ? "" : [
            "health:",
            "  - name: storefront",
            "    http: { url: \"\(balancer)/health\", expectStatus: [200] }",
            "    interval: 500ms",
            "    timeout: 2s",
            "    failuresToUnhealthy: 3",
            "    successesToHealthy: 1",
            "hypothesis:",
            "  - { check: storefront, availability: 50% }",
        ].joined(separator: "\n")
        try """
        version: 1
        name: schedule-e2e
        description: Touch a marker file while watching the demo balancer.
        environment: staging
        \(healthBlock)
        timeline: { baseline: 1s, recovery: 1s }
        steps:
          - name: marker
            at: 0s
            duration: \(stepDuration)
            fault: command
            with:
              inject: [touch, \(marker)]
              revert: [rm, -f, \(marker)]
              timeout: 10s
        """.write(to: plan, atomically: true, encoding: .utf8)

        // A zone in which the window does not cross local midnight.
        let now = Date()
        var chosen = "UTC"
        for zone in ["UTC", "Asia/Tokyo", "America/New_York"] {
            let tz = TimeZone(identifier: zone)!
            let local = Int(now.timeIntervalSince1970) + tz.secondsFromGMT(for: now)
            let sod = ((local % 86_400) + 86_400) % 86_400
            if sod > 120 && sod + windowSeconds + 120 < 86_400 { chosen = zone; break }
        }
        let calendar = BusinessCalendar(timeZone: TimeZone(identifier: chosen)!, workdays: Set(Weekday.allCases),
                                        hours: BusinessHours(start: TimeOfDay(hour: 0, minute: 0)!, end: TimeOfDay(hour: 24, minute: 0)!))
        func clock(_ date: Date) -> String {
            let text = calendar.format(date, seconds: true)  // "YYYY-MM-DD HH:MM:SS +hh:mm"
            return String(text.split(separator: " ")[1])
        }
        let start = now.addingTimeInterval(8)
        let end = start.addingTimeInterval(Double(windowSeconds))
        let config = folder.appendingPathComponent("schedule.yaml")
        try """
        version: 1
        timeZone: \(chosen)
        workdays: [mon, tue, wed, thu, fri, sat, sun]
        hours: { start: "\(clock(start))", end: "\(clock(end))" }
        scenarios:
          - { plan: e2e.yaml, meanDaysBetweenRuns: 1 }
        maxRunsPerDay: 1
        outageCheck: [\(withHealth ? "storefront" : "")]
        revertTime: 15s
        seed: 7
        state: state.sqlite
        runsDir: runs
        metrics: { listen: "127.0.0.1:0" }
        \(webhookPort.map { "notify: { webhook: \"http://127.0.0.1:\($0)/hook\", timeout: 5s, retries: 1 }" } ?? "")
        """.write(to: config, atomically: true, encoding: .utf8)
        return Setup(folder: folder, gameday: gameday, fleet: fleet, balancer: balancer, marker: marker,
                     config: config.path, state: folder.appendingPathComponent("state.sqlite").path)
    }

    /// Polls the state file until the decision satisfies `condition` (bounded).
    static func waitForDecision(_ setup: Setup, timeout: Double, _ condition: (DecisionRecord) -> Bool) throws -> DecisionRecord? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: setup.state),
               let store = try? ScheduleStore(path: setup.state),
               let record = try? store.history(limit: 1).first, condition(record) {
                return record
            }
            usleep(500_000)
        }
        return nil
    }

    static func metrics(fromLog log: String) async throws -> String? {
        guard let range = log.range(of: #"http://127\.0\.0\.1:[0-9]+/metrics"#, options: .regularExpression) else { return nil }
        let (data, _) = try await URLSession.shared.data(from: URL(string: String(log[range]))!)
        return String(decoding: data, as: UTF8.self)
    }

    /// The daemon runs the scenario inside the window the test opened: outage check, run, revert, held, recorded,
    /// counted in /metrics; the run directory has its journal and postmortem, and the fault was reverted.
    @Test(.timeLimit(.minutes(6))) func runsAScenarioInsideTheWindow() async throws {
        let hook = try HookServer()
        defer { hook.stop() }
        let setup = try Self.setUp(stepDuration: "2s", windowSeconds: 60, webhookPort: hook.port)
        defer { setup.fleet?.stop(); Fixture.cleanup(setup.folder) }
        let daemon = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                               log: setup.folder.appendingPathComponent("daemon.log").path)
        defer { daemon.stop() }

        let finished = try Self.waitForDecision(setup, timeout: 200) { $0.status.isFinal && $0.status != .skipped }
        let record = try #require(finished, "no finished run; daemon log:\n\(daemon.log.suffix(4000))")
        #expect(record.status == .held, "detail: \(record.detail ?? "-"); log:\n\(daemon.log.suffix(4000))")
        #expect(record.exitCode == 0)
        let runDir = try #require(record.runDir)
        #expect(FileManager.default.fileExists(atPath: runDir + "/journal.jsonl"))
        #expect(FileManager.default.fileExists(atPath: runDir + "/postmortem.md"))
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "the command fault was not reverted")
        let window = try #require(try ScheduleStore(path: setup.state).decisions(day: record.day).first)
        #expect(record.startedAt.map { $0 >= window.startAt.addingTimeInterval(-1) } == true)

        let metrics = try await Self.metrics(fromLog: daemon.log)
        #expect(metrics?.contains(#"gameday_schedule_runs_total{status="held"} 1"#) == true, "\(metrics ?? "no metrics URL in the log")")
        #expect(metrics?.contains("gameday_schedule_decisions_total 1") == true)
        let notifications = try hook.received.map { try JSONDecoder().decode(ScheduleNotification.self, from: $0) }
        #expect(notifications.map(\.event) == [.start, .finish])
        #expect(notifications.last?.postmortem == runDir + "/postmortem.md")
        #expect(notifications.last?.status == "held")

        #expect(daemon.stop() == 0, "the daemon did not exit cleanly on SIGTERM:\n\(daemon.log.suffix(2000))")
        // A restarted daemon finds the decision done and does not run it again.
        let again = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                              log: setup.folder.appendingPathComponent("daemon2.log").path)
        defer { again.stop() }
        try await Task.sleep(for: .seconds(5))
        #expect(again.stop() == 0)
        let history = try ScheduleStore(path: setup.state).history(limit: 10)
        #expect(history.count == 1 && history.first?.status == .held)
        #expect(JournalInspector.runDirectories(in: URL(fileURLWithPath: runDir).deletingLastPathComponent().path).count == 1)
    }

    /// SIGTERM to the daemon while a run is going aborts the run, which reverts, and the abort is recorded.
    @Test(.timeLimit(.minutes(6))) func shutdownAbortsAndRevertsARunInProgress() async throws {
        let setup = try Self.setUp(stepDuration: "90s", windowSeconds: 130)
        defer { setup.fleet?.stop(); Fixture.cleanup(setup.folder) }
        let daemon = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                               log: setup.folder.appendingPathComponent("daemon.log").path)
        defer { daemon.stop() }

        // Wait until the fault is applied (the marker exists), then shut the daemon down.
        let deadline = Date().addingTimeInterval(150)
        while !FileManager.default.fileExists(atPath: setup.marker) && Date() < deadline && daemon.process.isRunning {
            try await Task.sleep(for: .milliseconds(250))
        }
        try #require(FileManager.default.fileExists(atPath: setup.marker), "the fault was never applied; log:\n\(daemon.log.suffix(4000))")
        #expect(daemon.stop(grace: 90) == 0, "the daemon did not exit cleanly:\n\(daemon.log.suffix(4000))")
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "the run was not reverted on shutdown")
        let record = try #require(try ScheduleStore(path: setup.state).history(limit: 1).first)
        #expect(record.status == .aborted, "status \(record.status), detail \(record.detail ?? "-")")
        #expect(record.reason == "shutdown")
        #expect(record.runDir.map { FileManager.default.fileExists(atPath: $0 + "/journal.jsonl") } == true)
    }

    /// SIGKILL to the daemon mid-run leaves its `gameday run` orphaned; the restarted daemon stops that run (it
    /// reverts), settles the decision from the journal, and never starts it again.
    @Test(.timeLimit(.minutes(6))) func restartAfterKillMidRun() async throws {
        let setup = try Self.setUp(stepDuration: "90s", windowSeconds: 130)
        defer { setup.fleet?.stop(); Fixture.cleanup(setup.folder) }
        let daemon = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                               log: setup.folder.appendingPathComponent("daemon.log").path)
        defer { daemon.stop() }
        let running = try Self.waitForDecision(setup, timeout: 150) { $0.status == .running && $0.pid != nil }
        let record = try #require(running, "the run never started; log:\n\(daemon.log.suffix(4000))")
        let orphan = try #require(record.pid)
        let runsDir = try #require(record.runsDir)
        defer {
            // Whatever happens, the orphaned run does not outlive the test.
            if RestartRecovery.isOurRun(pid: orphan, runsDir: runsDir) { kill(orphan, SIGKILL) }
        }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: setup.marker) && Date() < deadline { try await Task.sleep(for: .milliseconds(250)) }
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        #expect(RestartRecovery.isOurRun(pid: orphan, runsDir: runsDir), "the run should still be going after the daemon died")

        let again = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                              log: setup.folder.appendingPathComponent("daemon2.log").path)
        defer { again.stop() }
        let settled = try Self.waitForDecision(setup, timeout: 120) { $0.status.isFinal }
        let final = try #require(settled, "not settled; log:\n\(again.log.suffix(4000))")
        #expect(final.status == .interrupted, "status \(final.status), detail \(final.detail ?? "-")")
        #expect(final.reason == "restart")
        #expect(!RestartRecovery.isOurRun(pid: orphan, runsDir: runsDir))
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "the orphaned run was not reverted")
        try await Task.sleep(for: .seconds(3))
        #expect(again.stop() == 0)
        #expect(JournalInspector.runDirectories(in: runsDir).count == 1, "the decision was started twice")
    }

    /// A second daemon on the same state file refuses to start (naming the first one's pid) and leaves the first
    /// one's run alone: no restart recovery, no SIGTERM to its run, the fault still applied until the first stops.
    @Test(.timeLimit(.minutes(6))) func secondDaemonOnOneStoreRefuses() async throws {
        let setup = try Self.setUp(stepDuration: "90s", windowSeconds: 130, withHealth: false)
        defer { Fixture.cleanup(setup.folder) }
        let first = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                              log: setup.folder.appendingPathComponent("daemon.log").path)
        defer { first.stop() }
        let running = try Self.waitForDecision(setup, timeout: 150) { $0.status == .running && $0.pid != nil }
        let record = try #require(running, "the run never started; log:\n\(first.log.suffix(4000))")
        let runPid = try #require(record.pid)
        let runsDir = try #require(record.runsDir)
        defer { if RestartRecovery.isOurRun(pid: runPid, runsDir: runsDir) { kill(runPid, SIGKILL) } }
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: setup.marker) && Date() < deadline { try await Task.sleep(for: .milliseconds(250)) }
        try #require(FileManager.default.fileExists(atPath: setup.marker), "the fault was never applied; log:\n\(first.log.suffix(4000))")

        let second = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                               log: setup.folder.appendingPathComponent("daemon2.log").path)
        // Bounded: a refusing daemon exits at once; one that does not is stopped by `stop` below.
        let refusedBy = Date().addingTimeInterval(30)
        while second.process.isRunning && Date() < refusedBy { try await Task.sleep(for: .milliseconds(100)) }
        let refused = !second.process.isRunning
        let status = second.stop(grace: 60)
        #expect(refused, "the second daemon did not refuse; its log:\n\(second.log.suffix(4000))")
        #expect(status != nil && status != 0)
        #expect(second.log.contains("pid \(first.process.processIdentifier)"), "\(second.log.suffix(2000))")
        #expect(RestartRecovery.isOurRun(pid: runPid, runsDir: runsDir), "the first daemon's run was stopped")
        #expect(FileManager.default.fileExists(atPath: setup.marker), "the first daemon's fault was reverted by the second")
        #expect(try ScheduleStore(path: setup.state).history(limit: 1).first?.status == .running)
        #expect(first.process.isRunning)

        #expect(first.stop(grace: 90) == 0, "the first daemon did not exit cleanly:\n\(first.log.suffix(4000))")
        #expect(!FileManager.default.fileExists(atPath: setup.marker), "the run was not reverted on shutdown")
    }

    /// With the outage check failing (the balancer is down), the decision is skipped with the reason and nothing runs.
    @Test(.timeLimit(.minutes(3))) func skipsDuringAnOutage() async throws {
        let closed = try HookServer()
        let deadPort = closed.port
        closed.stop()
        let setup = try Self.setUp(stepDuration: "2s", windowSeconds: 40, deadBalancer: deadPort)
        defer { Fixture.cleanup(setup.folder) }
        let daemon = try Child(setup.gameday, ["schedule", "run", "--config", setup.config, "--gameday-executable", setup.gameday],
                               log: setup.folder.appendingPathComponent("daemon.log").path)
        defer { daemon.stop() }
        let skipped = try Self.waitForDecision(setup, timeout: 100) { $0.status == .skipped }
        let record = try #require(skipped, "no skip recorded; log:\n\(daemon.log.suffix(4000))")
        #expect(record.reason == "outage")
        #expect(record.detail?.hasPrefix("unhealthy before start: storefront") == true, "\(record.detail ?? "-")")
        #expect(record.runsDir == nil && record.startedAt == nil)
        #expect(!FileManager.default.fileExists(atPath: setup.marker))
        #expect(daemon.stop() == 0)
    }
}
