#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GameDayDemo
import Testing
import GameDayTestSupport

extension RealProcessTests {
    /// `gameday demo-fleet up` as other engineers' tests use it: a real process, its JSON line, signals.
    @Suite struct DemoFleetCommandTests {
        private struct Running {
            var process: Process
            var directory: String
            var stdout: String
            var stderr: String
        }

        private func launch(_ arguments: [String], directory: String) throws -> Running {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try GameDayExecutable.require())
            process.arguments = arguments
            let stdout = "\(directory)/up.stdout"
            let stderr = "\(directory)/up.stderr"
            _ = FileManager.default.createFile(atPath: stdout, contents: nil)
            _ = FileManager.default.createFile(atPath: stderr, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdout))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
            try process.run()
            return Running(process: process, directory: directory, stdout: stdout, stderr: stderr)
        }

        private func firstLine(of path: String, timeout: Duration) async -> String? {
            var line: String?
            _ = await eventually(timeout: timeout) {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8),
                      let newline = text.firstIndex(of: "\n") else { return false }
                line = String(text[..<newline])
                return true
            }
            return line
        }

        private func run(signal: Int32) async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let fleetDirectory = "\(directory)/fleet"
            let running = try launch(["demo-fleet", "up", "--dir", fleetDirectory, "--restart-delay", "1s"], directory: directory)
            defer {
                if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) }
            }
            let line = await firstLine(of: running.stdout, timeout: .seconds(30))
            let stderrText = (try? String(contentsOfFile: running.stderr, encoding: .utf8)) ?? ""
            let json = try #require(line, "no JSON line within 30 s; stderr:\n\(stderrText)")
            let endpoints = try JSONDecoder().decode(DemoFleetEndpoints.self, from: Data(json.utf8))
            #expect(endpoints.replicas.count == 3)
            #expect(endpoints.directory == fleetDirectory)
            let response = try #require(await TestSupport.get(endpoints.balancerURL, "/checkout"))
            #expect(response.status == 200)
            #expect(response.body.hasSuffix("(paid)"))
            let pids = endpoints.replicas.compactMap { PIDFile.read($0.pidFile) }
            #expect(pids.count == 3)

            kill(running.process.processIdentifier, signal)
            let exited = await TestSupport.waitForExit(running.process, timeout: .seconds(20))
            #expect(exited, "demo-fleet up did not exit within 20 s of signal \(signal)")
            if exited {
                #expect(running.process.terminationReason == .exit)
                #expect(running.process.terminationStatus == 0)
            }
            // Replicas are children of the up process; give a crash-path ParentWatcher exit time too.
            let gone = await eventually(timeout: .seconds(10)) { pids.allSatisfy { !TestSupport.isAlive($0) } }
            #expect(gone, "replica processes outlived demo-fleet up")
            for replica in endpoints.replicas {
                #expect(!FileManager.default.fileExists(atPath: replica.pidFile))
            }
        }

        /// `up` prints one JSON line once ready, serves checkout, and on SIGTERM exits 0 leaving no replica or pid file.
        @Test func upServesAndStopsCleanlyOnSIGTERM() async throws {
            try await run(signal: SIGTERM)
        }

        /// The same holds for SIGINT (Ctrl-C).
        @Test func upStopsCleanlyOnSIGINT() async throws {
            try await run(signal: SIGINT)
        }

        /// If the controller is killed outright, its replicas notice their parent is gone and exit by themselves;
        /// `--dependency-url` is what replicas are told to call.
        @Test func replicasExitWhenTheControllerIsKilled() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let proxyURL = "http://127.0.0.1:\(try freeLoopbackPort())"
            let running = try launch(["demo-fleet", "up", "--dir", "\(directory)/fleet", "--dependency-url", proxyURL],
                                     directory: directory)
            defer {
                if running.process.isRunning { kill(running.process.processIdentifier, SIGKILL) }
            }
            let json = try #require(await firstLine(of: running.stdout, timeout: .seconds(30)))
            let endpoints = try JSONDecoder().decode(DemoFleetEndpoints.self, from: Data(json.utf8))
            #expect(endpoints.replicaDependencyURL == proxyURL)
            #expect(endpoints.dependencyURL != proxyURL)
            let pids = endpoints.replicas.compactMap { PIDFile.read($0.pidFile) }
            #expect(pids.count == 3)
            kill(running.process.processIdentifier, SIGKILL)
            _ = await TestSupport.waitForExit(running.process, timeout: .seconds(10))
            let gone = await eventually(timeout: .seconds(15)) { pids.allSatisfy { !TestSupport.isAlive($0) } }
            #expect(gone, "replicas outlived a SIGKILLed controller")
            if !gone {
                // Never leave them running, whatever the assertion says.
                for pid in pids where TestSupport.isAlive(pid) { kill(pid, SIGKILL) }
            }
        }

        /// Bad options are refused with a clear message and a non-zero exit, before anything starts.
        @Test func rejectsBadOptions() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for (arguments, message) in [
                (["demo-fleet", "up", "--dir", directory, "--base-port", "70000"], "base port 70000"),
                (["demo-fleet", "up", "--dir", directory, "--restart-delay", "soon"], "--restart-delay 'soon'"),
                (["demo-fleet", "up", "--dir", directory, "--dependency-url", "127.0.0.1:80"], "invalid URL"),
                (["demo-fleet", "replica", "--name", "r1", "--port", "0", "--pid-file", "\(directory)/r.pid"], "--port 0"),
            ] {
                let running = try launch(arguments, directory: directory)
                let exited = await TestSupport.waitForExit(running.process, timeout: .seconds(20))
                #expect(exited)
                if !exited { kill(running.process.processIdentifier, SIGKILL); continue }
                #expect(running.process.terminationStatus != 0, "\(arguments) succeeded")
                let stderrText = (try? String(contentsOfFile: running.stderr, encoding: .utf8)) ?? ""
                #expect(stderrText.contains(message), "stderr of \(arguments) lacks '\(message)':\n\(stderrText)")
            }
        }
    }
}
