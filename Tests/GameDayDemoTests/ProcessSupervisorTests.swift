#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GameDayDemo
import ServiceLifecycle
import Testing
import GameDayTestSupport

extension RealProcessTests {
    /// The supervisor with plain `/bin/sleep` children: real processes, no HTTP.
    @Suite struct ProcessSupervisorTests {
        /// A killed child is restarted after the delay, a stopped one is left alone, and shutdown reaps every child
        /// (including a stopped one) and removes a pid file that names a reaped child.
        @Test func restartsExitedChildAndReapsAllOnShutdown() async throws {
            let sleep = ["/bin/sleep", "/usr/bin/sleep"].first { FileManager.default.isExecutableFile(atPath: $0) }
            let executable = try #require(sleep, "no sleep executable on this machine")
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let processes = ["a", "b"].map {
                SupervisedProcess(name: $0, arguments: ["60"], logFile: "\(directory)/\($0).log", pidFile: "\(directory)/\($0).pid")
            }
            let supervisor = ProcessSupervisor(
                executable: executable, processes: processes, restartDelay: .milliseconds(300),
                stopGracePeriod: .seconds(2), logger: TestSupport.logger)
            let group = ServiceGroup(configuration: .init(services: [supervisor], logger: TestSupport.logger))
            var seen = Set<Int32>()
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let started = await eventually(timeout: .seconds(10)) { await supervisor.runningPIDs().count == 2 }
                #expect(started)
                let first = await supervisor.runningPIDs()
                seen.formUnion(first.values)
                let a = try #require(first["a"])
                let b = try #require(first["b"])
                // `sleep` writes no pid file; write one as a daemon would, to see the supervisor clean it up.
                let aPIDFile = try #require(processes[0].pidFile)
                try PIDFile.write(a, to: aPIDFile)

                kill(b, SIGSTOP)
                kill(a, SIGKILL)
                let restarted = await eventually(timeout: .seconds(10)) {
                    if let pid = await supervisor.runningPIDs()["a"], pid != a { return true }
                    return false
                }
                #expect(restarted)
                #expect(await supervisor.restartCounts() == ["a": 1, "b": 0])
                #expect(await supervisor.runningPIDs()["b"] == b)
                #expect(!FileManager.default.fileExists(atPath: aPIDFile))
                seen.formUnion(await supervisor.runningPIDs().values)

                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(await supervisor.runningPIDs().isEmpty)
            for pid in seen {
                #expect(!TestSupport.isAlive(pid), "child \(pid) is still alive")
            }
        }

        /// A child that ignores SIGTERM is killed with SIGKILL once the grace period is over.
        @Test func killsChildThatIgnoresTerm() async throws {
            let shell = try #require(["/bin/sh", "/usr/bin/sh"].first { FileManager.default.isExecutableFile(atPath: $0) })
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let stubborn = SupervisedProcess(
                name: "stubborn", arguments: ["-c", "trap '' TERM; while :; do sleep 1; done"],
                logFile: "\(directory)/stubborn.log")
            let supervisor = ProcessSupervisor(
                executable: shell, processes: [stubborn], restartDelay: .seconds(1),
                stopGracePeriod: .milliseconds(500), logger: TestSupport.logger)
            let group = ServiceGroup(configuration: .init(services: [supervisor], logger: TestSupport.logger))
            var pid: Int32?
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                _ = await eventually(timeout: .seconds(10)) { await supervisor.runningPIDs()["stubborn"] != nil }
                pid = await supervisor.runningPIDs()["stubborn"]
                // Let the shell install its trap before it is asked to stop.
                try await Task.sleep(for: .milliseconds(300))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let child = try #require(pid)
            #expect(!TestSupport.isAlive(child))
            let log = (try? String(contentsOfFile: stubborn.logFile, encoding: .utf8)) ?? ""
            #expect(!log.contains("not found"), "shell failed to run: \(log)")
        }
    }
}
