#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GameDayDemo
import Testing
import GameDayTestSupport

extension RealProcessTests {
    /// Real fleets: replica processes from the built gameday executable, loopback sockets, real signals.
    /// Serialized so that two fleets never compete for the two cores while a test waits on health-check timing.
    @Suite struct DemoFleetTests {
        private func configuration(_ directory: String) -> DemoFleetConfiguration {
            DemoFleetConfiguration(directory: directory, restartDelay: .seconds(1), stopGracePeriod: .seconds(3))
        }

        /// Starts a fleet, runs `body`, and always stops it; then checks that no replica pid seen is alive and that
        /// every pid file is gone.
        private func withFleet(
            routeDependency: @escaping @Sendable (String) async throws -> String? = { _ in nil },
            _ body: (DemoFleet, inout Set<Int32>) async throws -> Void
        ) async throws {
            let executable = try GameDayExecutable.require()
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let fleet = try await DemoFleet.start(
                executable: executable, configuration: configuration(directory), logger: TestSupport.logger,
                routeDependency: routeDependency)
            var seen = Set(await fleet.replicaPIDs().values)
            do {
                try await body(fleet, &seen)
            } catch {
                await fleet.stop()
                throw error
            }
            seen.formUnion(await fleet.replicaPIDs().values)
            await fleet.stop()
            for pid in seen {
                #expect(!TestSupport.isAlive(pid), "replica pid \(pid) is still alive after stop()")
            }
            for replica in fleet.replicas {
                #expect(!FileManager.default.fileExists(atPath: replica.pidFile), "\(replica.pidFile) left behind")
            }
            #expect(await fleet.replicaPIDs().isEmpty)
        }

        /// The fleet starts, the balancer serves /checkout round-robin over all replicas, which reach the dependency.
        @Test func servesCheckoutOverEveryReplica() async throws {
            try await withFleet { fleet, _ in
                #expect(fleet.replicas.map(\.name) == ["r1", "r2", "r3"])
                #expect(fleet.replicaDependencyURL == fleet.dependencyURL)
                var servedBy = Set<String>()
                // Round-robin reaches every replica within a few requests; a bound of 30 tolerates a probe that
                // flapped on a loaded machine.
                for _ in 0..<30 where servedBy.count < 3 {
                    let response = try #require(await TestSupport.get(fleet.balancerURL, "/checkout"))
                    #expect(response.status == 200)
                    let replica = try #require(response.header(DemoBalancer.replicaHeader))
                    #expect(response.body == "ok from \(replica) (paid)")
                    #expect(response.header(DemoBalancer.failOpenHeader) == nil)
                    servedBy.insert(replica)
                }
                #expect(servedBy == ["r1", "r2", "r3"])
                let health = try #require(await TestSupport.get(fleet.balancerURL, "/health"))
                #expect(health.status == 200 && health.body == "ok")
                for replica in fleet.replicas {
                    let pid = try #require(PIDFile.read(replica.pidFile))
                    #expect(await fleet.replicaPIDs()[replica.name] == pid)
                }
            }
        }

        /// Replicas call the URL that routeDependency returns: pointing it at a closed port makes checkout fail
        /// with 502 from the replica while health stays green.
        @Test func replicasUseTheRoutedDependencyURL() async throws {
            let closedPort = try freeLoopbackPort()
            let seenURL = URLBox()
            try await withFleet(routeDependency: { url in
                await seenURL.set(url)
                return "http://127.0.0.1:\(closedPort)"
            }) { fleet, _ in
                #expect(await seenURL.value == fleet.dependencyURL)
                #expect(fleet.replicaDependencyURL == "http://127.0.0.1:\(closedPort)")
                let direct = try #require(await TestSupport.get(fleet.dependencyURL, "/pay"))
                #expect(direct.status == 200 && direct.body == "paid")
                let response = try #require(await TestSupport.get(fleet.balancerURL, "/checkout"))
                #expect(response.status == 502)
                #expect(response.body.contains("payment failed"))
                let health = try #require(await TestSupport.get(fleet.balancerURL, "/health"))
                #expect(health.status == 200)
            }
        }

        /// SIGKILL of a replica: the balancer keeps serving, and the supervisor restarts it with a new pid in its pid
        /// file and /health up again.
        @Test func killedReplicaIsRestartedWhileBalancerKeepsServing() async throws {
            try await withFleet { fleet, seen in
                let victim = fleet.replicas[0]
                let oldPID = try #require(PIDFile.read(victim.pidFile))
                TestSupport.send(SIGKILL, to: oldPID)
                for _ in 0..<6 {
                    let response = try #require(await TestSupport.get(fleet.balancerURL, "/checkout"))
                    #expect(response.status == 200)
                }
                var newPID: Int32?
                let restarted = await eventually(timeout: .seconds(20)) {
                    guard let pid = PIDFile.read(victim.pidFile), pid != oldPID else { return false }
                    newPID = pid
                    return await TestSupport.get(victim.url, "/health", timeout: .seconds(1))?.status == 200
                }
                #expect(restarted, "r1 was not restarted with a new pid within 20 s")
                if let newPID { seen.insert(newPID) }
                #expect(!TestSupport.isAlive(oldPID))
                #expect(await fleet.restartCounts()["r1"] == 1)
                let backInRotation = await eventually(timeout: .seconds(10)) {
                    fleet.balancerStatus.replicas.allSatisfy(\.healthy)
                }
                #expect(backInRotation)
            }
        }

        /// SIGSTOP of a replica: the balancer times out on it, takes it out of rotation and routes around it; the
        /// supervisor does not restart it; after SIGCONT it serves again.
        @Test func stoppedReplicaIsRoutedAroundAndReturnsWhenContinued() async throws {
            try await withFleet { fleet, _ in
                let victim = fleet.replicas[1]
                let pid = try #require(PIDFile.read(victim.pidFile))
                TestSupport.send(SIGSTOP, to: pid)
                var cleanInARow = 0
                let routedAround = await eventually(timeout: .seconds(20), every: .milliseconds(10)) {
                    guard let response = await TestSupport.get(fleet.balancerURL, "/checkout") else { return false }
                    let attempts = response.header(DemoBalancer.attemptsHeader) ?? ""
                    if response.status == 200, !attempts.split(separator: ",").contains("r2") {
                        cleanInARow += 1
                    } else {
                        cleanInARow = 0
                    }
                    return cleanInARow >= 6
                }
                #expect(routedAround, "the balancer kept trying the stopped replica")
                #expect(fleet.balancerStatus.replicas.first { $0.name == "r2" }?.healthy == false)
                #expect(await fleet.replicaPIDs()["r2"] == pid)
                #expect(await fleet.restartCounts()["r2"] == 0)

                TestSupport.send(SIGCONT, to: pid)
                let servesAgain = await eventually(timeout: .seconds(20)) {
                    await TestSupport.get(fleet.balancerURL, "/checkout")?.header(DemoBalancer.replicaHeader) == "r2"
                }
                #expect(servesAgain, "r2 did not serve again after SIGCONT")
                #expect(PIDFile.read(victim.pidFile) == pid)
            }
        }

        /// With every replica stopped the balancer fails open: requests are attempted on all replicas and carry the
        /// fail-open header; once they are continued it routes normally again.
        @Test func failsOpenWhenNoReplicaIsHealthy() async throws {
            try await withFleet { fleet, _ in
                let pids = try fleet.replicas.map { try #require(PIDFile.read($0.pidFile)) }
                for pid in pids { TestSupport.send(SIGSTOP, to: pid) }
                let failingOpen = await eventually(timeout: .seconds(20)) { fleet.balancerStatus.failOpen }
                #expect(failingOpen)

                let responses = await withTaskGroup(of: DemoHTTPResponse?.self) { group in
                    for _ in 0..<3 {
                        group.addTask { await TestSupport.get(fleet.balancerURL, "/checkout", timeout: .seconds(10)) }
                    }
                    var collected: [DemoHTTPResponse?] = []
                    for await response in group { collected.append(response) }
                    return collected
                }
                var attempted = Set<String>()
                for response in responses {
                    let response = try #require(response)
                    #expect(response.status == 504)
                    #expect(response.header(DemoBalancer.failOpenHeader) == "true")
                    let attempts = response.header(DemoBalancer.attemptsHeader) ?? ""
                    #expect(attempts.split(separator: ",").count == 2)
                    attempted.formUnion(attempts.split(separator: ",").map(String.init))
                }
                #expect(attempted == ["r1", "r2", "r3"])

                for pid in pids { TestSupport.send(SIGCONT, to: pid) }
                let recovered = await eventually(timeout: .seconds(20)) {
                    guard let response = await TestSupport.get(fleet.balancerURL, "/checkout") else { return false }
                    return response.status == 200 && response.header(DemoBalancer.failOpenHeader) == nil
                }
                #expect(recovered)
                #expect(await fleet.restartCounts().values.allSatisfy { $0 == 0 })
            }
        }

        /// stop() also ends a replica that is stopped (SIGSTOP) at the time, and a second stop() is harmless.
        @Test func stopEndsEvenAStoppedReplica() async throws {
            let executable = try GameDayExecutable.require()
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let fleet = try await DemoFleet.start(
                executable: executable, configuration: configuration(directory), logger: TestSupport.logger)
            let pids = await fleet.replicaPIDs()
            #expect(pids.count == 3)
            if let stopped = pids["r3"] { TestSupport.send(SIGSTOP, to: stopped) }
            await fleet.stop()
            await fleet.stop()
            for pid in pids.values {
                #expect(!TestSupport.isAlive(pid), "pid \(pid) survived stop()")
            }
            for replica in fleet.replicas {
                #expect(!FileManager.default.fileExists(atPath: replica.pidFile))
            }
            #expect(await TestSupport.get(fleet.balancerURL, "/health", timeout: .seconds(1)) == nil)
            #expect(await TestSupport.get(fleet.dependencyURL, "/pay", timeout: .seconds(1)) == nil)
        }

        /// An error from routeDependency (say, the proxy would not start) reaches the caller unchanged, and the
        /// dependency the fleet had started is stopped again.
        @Test func routeDependencyErrorIsPassedOnAndCleansUp() async throws {
            struct ProxyFailed: Error, Equatable {}
            let executable = try GameDayExecutable.require()
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let seenURL = URLBox()
            await #expect(throws: ProxyFailed()) {
                _ = try await DemoFleet.start(
                    executable: executable, configuration: configuration(directory), logger: TestSupport.logger
                ) { url in
                    await seenURL.set(url)
                    throw ProxyFailed()
                }
            }
            let dependencyURL = try #require(await seenURL.value)
            #expect(await TestSupport.get(dependencyURL, "/pay", timeout: .seconds(1)) == nil)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".pid") }
            #expect(leftovers.isEmpty)
        }

        /// A missing executable or a bad configuration fails start() with a clear error and starts nothing.
        @Test func rejectsBadExecutableAndConfiguration() async throws {
            let directory = try temporaryDirectory("demo")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            await #expect(throws: DemoFleetError.self) {
                _ = try await DemoFleet.start(executable: "\(directory)/no-such-gameday",
                                              configuration: configuration(directory), logger: TestSupport.logger)
            }
            let executable = try GameDayExecutable.require()
            var bad = configuration(directory)
            bad.replicaCount = 0
            await #expect(throws: DemoFleetError.invalidConfiguration("replica count 0 is not between 1 and 32")) {
                _ = try await DemoFleet.start(executable: executable, configuration: bad, logger: TestSupport.logger)
            }
            var badURL = configuration(directory)
            badURL.dependencyURL = "ftp://127.0.0.1:1"
            await #expect(throws: DemoFleetError.self) {
                _ = try await DemoFleet.start(executable: executable, configuration: badURL, logger: TestSupport.logger)
            }
        }
    }
}

/// A value set from a Sendable closure and read by the test.
private actor URLBox {
    var value: String?
    func set(_ newValue: String) { value = newValue }
}
