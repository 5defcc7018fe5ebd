import GameDayDemo
import Testing

@Suite struct DemoFleetConfigurationTests {
    /// The defaults are the demo's: three replicas, 3 s restart delay, 500 ms/300 ms health checks, 1 s requests.
    @Test func defaultsMatchTheDemo() throws {
        let configuration = DemoFleetConfiguration(directory: "/tmp/fleet")
        try configuration.validate()
        #expect(configuration.replicaNames == ["r1", "r2", "r3"])
        #expect(configuration.restartDelay == .seconds(3))
        #expect(configuration.balancer.healthCheckInterval == .milliseconds(500))
        #expect(configuration.balancer.healthCheckTimeout == .milliseconds(300))
        #expect(configuration.balancer.requestTimeout == .seconds(1))
        #expect(configuration.balancer.policy == .init(failuresToUnhealthy: 2, successesToHealthy: 1, maximumAttempts: 2))
        #expect(configuration.fixedPorts == nil)
    }

    /// A base port lays the fleet out as balancer, replicas, then dependency on consecutive ports.
    @Test func basePortLayout() throws {
        let configuration = DemoFleetConfiguration(directory: "/tmp/fleet", basePort: 18080)
        let ports = try #require(configuration.fixedPorts)
        #expect(ports.balancer == 18080)
        #expect(ports.replicas == [18081, 18082, 18083])
        #expect(ports.dependency == 18084)
    }

    /// Each invalid setting is refused with a message that names it.
    @Test(arguments: [
        (DemoFleetConfiguration(directory: ""), "directory"),
        (DemoFleetConfiguration(directory: "/tmp/f", replicaCount: 0), "replica count 0"),
        (DemoFleetConfiguration(directory: "/tmp/f", replicaCount: 33), "replica count 33"),
        (DemoFleetConfiguration(directory: "/tmp/f", basePort: 65534), "base port 65534"),
        (DemoFleetConfiguration(directory: "/tmp/f", basePort: -1), "base port -1"),
        (DemoFleetConfiguration(directory: "/tmp/f", restartDelay: .seconds(-1)), "restart delay"),
        (DemoFleetConfiguration(directory: "/tmp/f", dependencyURL: "http://127.0.0.1"), "explicit port"),
        (DemoFleetConfiguration(directory: "/tmp/f", balancer: .init(healthCheckInterval: .zero)), "greater than zero"),
    ])
    func rejectsInvalidSettings(configuration: DemoFleetConfiguration, message: String) {
        do {
            try configuration.validate()
            Issue.record("accepted an invalid configuration")
        } catch {
            #expect("\(error)".contains(message), "'\(error)' does not mention '\(message)'")
        }
    }
}
