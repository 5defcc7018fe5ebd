#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GameDayDemo
import ServiceLifecycle
import Testing
import GameDayTestSupport

extension RealProcessTests {
    /// `gameday demo-fleet replica` as a real process.
    @Suite struct DemoReplicaTests {
        private struct Replica {
            var process: Process
            var url: String
            var pidFile: String
            var log: String
        }

        private func startReplica(_ label: String, port: Int, extra: [String] = [], directory: String) throws -> Replica {
            let pidFile = "\(directory)/\(label).pid"
            let log = "\(directory)/\(label).log"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try GameDayExecutable.require())
            process.arguments = ["demo-fleet", "replica", "--name", "r9", "--port", "\(port)", "--pid-file", pidFile] + extra
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            return Replica(process: process, url: "http://127.0.0.1:\(port)", pidFile: pidFile, log: log)
        }

        /// Health answers ok, checkout without a dependency answers directly, the pid file names the process, and
        /// SIGTERM makes it exit 0 and remove its pid file.
        @Test func servesAndExitsCleanlyOnSIGTERM() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let replica = try startReplica("r9", port: try freeLoopbackPort(), directory: directory)
            let process = replica.process
            let pidFile = replica.pidFile
            let url = replica.url
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let up = await eventually(timeout: .seconds(20)) { await TestSupport.get(url, "/health")?.status == 200 }
            #expect(up)
            #expect(await TestSupport.get(url, "/health")?.body == "ok")
            #expect(PIDFile.read(pidFile) == process.processIdentifier)
            let checkout = try #require(await TestSupport.get(url, "/checkout"))
            #expect(checkout.status == 200 && checkout.body == "ok from r9")

            kill(process.processIdentifier, SIGTERM)
            #expect(await TestSupport.waitForExit(process, timeout: .seconds(15)))
            #expect(process.terminationStatus == 0)
            #expect(!FileManager.default.fileExists(atPath: pidFile))
        }

        /// Checkout calls the dependency's /pay: 200 "(paid)" when it answers, 502 when it is unreachable.
        @Test func checkoutDependsOnTheDependency() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let paymentsPort = try freeLoopbackPort()
            let closedPort = try freeLoopbackPort()
            let payments = DemoPayments.makeApplication(port: paymentsPort, logger: TestSupport.logger) { _ in }
            let group = ServiceGroup(configuration: .init(services: [payments], logger: TestSupport.logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                defer { tasks.cancelAll() }
                let goodReplica = try startReplica("good", port: try freeLoopbackPort(),
                                                   extra: ["--dependency", "http://127.0.0.1:\(paymentsPort)"], directory: directory)
                let good = goodReplica.process
                let goodURL = goodReplica.url
                defer { if good.isRunning { kill(good.processIdentifier, SIGKILL) } }
                let badReplica = try startReplica("bad", port: try freeLoopbackPort(),
                                                  extra: ["--dependency", "http://127.0.0.1:\(closedPort)"], directory: directory)
                let bad = badReplica.process
                let badURL = badReplica.url
                defer { if bad.isRunning { kill(bad.processIdentifier, SIGKILL) } }

                let paid = await eventually(timeout: .seconds(20)) {
                    await TestSupport.get(goodURL, "/checkout")?.body == "ok from r9 (paid)"
                }
                #expect(paid)
                let failed = await eventually(timeout: .seconds(20)) {
                    await TestSupport.get(badURL, "/checkout")?.status == 502
                }
                #expect(failed)
                #expect(await TestSupport.get(badURL, "/checkout")?.body.contains("payment failed") == true)
                kill(good.processIdentifier, SIGTERM)
                kill(bad.processIdentifier, SIGTERM)
                #expect(await TestSupport.waitForExit(good, timeout: .seconds(15)))
                #expect(await TestSupport.waitForExit(bad, timeout: .seconds(15)))
                await group.triggerGracefulShutdown()
            }
        }

        /// A replica whose port is taken exits non-zero with a message saying so, and leaves no pid file.
        @Test func failsClearlyWhenThePortIsTaken() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let port = try freeLoopbackPort()
            let holder = try startReplica("holder", port: port, directory: directory).process
            defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
            #expect(await eventually(timeout: .seconds(20)) {
                await TestSupport.get("http://127.0.0.1:\(port)", "/health")?.status == 200
            })
            let secondReplica = try startReplica("second", port: port, directory: directory)
            let second = secondReplica.process
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            #expect(await TestSupport.waitForExit(second, timeout: .seconds(15)))
            #expect(second.terminationStatus != 0)
            #expect(!FileManager.default.fileExists(atPath: secondReplica.pidFile))
            let log = (try? String(contentsOfFile: secondReplica.log, encoding: .utf8)) ?? ""
            #expect(log.contains("did not start"), "log lacks the start failure:\n\(log)")
            kill(holder.processIdentifier, SIGTERM)
            #expect(await TestSupport.waitForExit(holder, timeout: .seconds(15)))
        }
    }
}
