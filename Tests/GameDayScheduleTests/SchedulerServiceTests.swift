import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayCore
import Testing
@testable import GameDaySchedule

/// End to end: the real `gameday schedule run` daemon, the real demo fleet and real `gameday run` children. The test
/// opens a business-hours window a few seconds ahead and watches the daemon decide, check for an outage, run the
/// scenario (a command fault touching a marker file, with a health check on the fleet's balancer), revert and record.
@Suite(.serialized) struct SchedulerServiceTests {
    /// The gameday executable next to the test runner.
    static func gamedayExecutable() throws -> String {
        let folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent(), folder.deletingLastPathComponent().deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("gameday").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ScheduleRunError(message: "the gameday executable was not found next to the test runner (\(folder.path)); build it with `swift build --build-tests` first")
    }

    /// A started child process, stopped (SIGTERM, then SIGKILL) when the test ends.
    final class Child: @unchecked Sendable {
        // @unchecked: `process` is only touched from the test's own task; Process itself is thread-safe for
        // isRunning/processIdentifier reads.
        let process = Process()
        let stdout = Pipe()
        let logPath: String

        init(_ executable: String, _ arguments: [String], log: String) throws {
            logPath = log
            FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = stdout
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            try process.run()
        }

        /// The first stdout line, within `timeout` seconds.
        func firstLine(timeout: Double) -> String? {
            let handle = stdout.fileHandleForReading
            let deadline = Date().addingTimeInterval(timeout)
            var buffer = Data()
            let fd = handle.fileDescriptor
            while Date() < deadline {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 200) > 0 {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return nil }
                    buffer.append(chunk)
                    if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                        return String(decoding: buffer[..<newline], as: UTF8.self)
                    }
                }
            }
            return nil
        }

        /// SIGTERM, then wait up to `grace` seconds, then SIGKILL. Returns the exit status if it exited by itself.
        @discardableResult
        func stop(grace: Double = 60) -> Int32? {
            guard process.isRunning else { return process.terminationStatus }
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date().addingTimeInterval(grace)
            while process.isRunning && Date() < deadline { usleep(100_000) }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            return process.terminationStatus
        }

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    }

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
    ///
    /// - Parameters:
    ///   - deadBalancer: instead of starting the fleet, point the health check at a closed loopback port.
    ///   - webhookPort: where the daemon posts notifications.
    static func setUp(stepDuration: String, windowSeconds: Int, deadBalancer: Int? = nil, webhookPort: Int? = nil) throws -> Setup {
        let gameday = try gamedayExecutable()
        let folder = Fixture.temporaryFolder()
        var fleet: Child?
        let balancer: String
        if let deadBalancer {
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
        try """
        version: 1
        name: schedule-e2e
        description: Touch a marker file while watching the demo balancer.
        environment: staging
        health:
          - name: storefront
            http: { url: "\(balancer)/health", expectStatus: [200] }
            interval: 500ms
            timeout: 2s
            failuresToUnhealthy: 3
            successesToHealthy: 1
        hypothesis:
          - { check: storefront, availability: 50% }
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
        outageCheck: [storefront]
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
        let setup = try Self.setUp(stepDuration: "2s", windowSeconds: 240, webhookPort: hook.port)
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
        let setup = try Self.setUp(stepDuration: "90s", windowSeconds: 240)
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

    /// With the outage check failing (the balancer is down), the decision is skipped with the reason and nothing runs.
    @Test(.timeLimit(.minutes(3))) func skipsDuringAnOutage() async throws {
        let closed = try HookServer()
        let deadPort = closed.port
        closed.stop()
        let setup = try Self.setUp(stepDuration: "2s", windowSeconds: 120, deadBalancer: deadPort)
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
