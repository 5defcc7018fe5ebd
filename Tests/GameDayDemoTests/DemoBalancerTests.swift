#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GameDayDemo
import ServiceLifecycle
import Testing
import GameDayTestSupport

/// The balancer in-process against loopback backends: forwarding, retries, status codes and headers.
@Suite struct DemoBalancerTests {
    /// Runs a balancer (and optionally its health checker) plus one live backend (the payments app, which answers
    /// /health) until `body` returns.
    private func withBalancer(
        backends: (_ livePort: Int) -> [BalancerBackend],
        configuration: BalancerConfiguration = .init(),
        healthChecks: Bool,
        _ body: (_ balancerURL: String, _ balancer: DemoBalancer) async throws -> Void
    ) async throws {
        let livePort = try freeLoopbackPort()
        let balancer = DemoBalancer(backends: backends(livePort), configuration: configuration, logger: TestSupport.logger)
        let balancerPort = try freeLoopbackPort()
        var services: [any Service] = [
            DemoPayments.makeApplication(port: livePort, logger: TestSupport.logger) { _ in },
            balancer.makeApplication(port: balancerPort) { _ in },
        ]
        if healthChecks { services.append(balancer.healthChecker) }
        let group = ServiceGroup(configuration: .init(services: services, logger: TestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            let url = "http://127.0.0.1:\(balancerPort)"
            let up = await eventually(timeout: .seconds(10)) {
                let balancerUp = await TestSupport.get(url, "/_balancer/status") != nil
                let backendUp = await TestSupport.get("http://127.0.0.1:\(livePort)", "/health") != nil
                return balancerUp && backendUp
            }
            try #require(up, "balancer or backend did not start")
            try await body(url, balancer)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Without health checks every backend is out of rotation, so the balancer fails open, retries past a dead
    /// backend, and says so in its headers.
    @Test func failsOpenAndRetriesPastADeadBackend() async throws {
        let dead = try freeLoopbackPort()
        try await withBalancer(backends: { live in
            [BalancerBackend(name: "dead", endpoint: .init(host: "127.0.0.1", port: dead)),
             BalancerBackend(name: "live", endpoint: .init(host: "127.0.0.1", port: live))]
        }, healthChecks: false) { url, balancer in
            #expect(balancer.status.failOpen)
            let response = try #require(await TestSupport.get(url, "/health"))
            #expect(response.status == 200 && response.body == "ok")
            #expect(response.header(DemoBalancer.failOpenHeader) == "true")
            #expect(response.header(DemoBalancer.attemptsHeader) == "dead,live")
            #expect(response.header(DemoBalancer.replicaHeader) == "live")
        }
    }

    /// With health checks the dead backend leaves rotation, every request goes to the live one, and the status
    /// endpoint reports it.
    @Test func routesOnlyToHealthyBackends() async throws {
        let dead = try freeLoopbackPort()
        try await withBalancer(backends: { live in
            [BalancerBackend(name: "dead", endpoint: .init(host: "127.0.0.1", port: dead)),
             BalancerBackend(name: "live", endpoint: .init(host: "127.0.0.1", port: live))]
        }, healthChecks: true) { url, balancer in
            let settled = await eventually(timeout: .seconds(10)) {
                balancer.status.replicas.map(\.healthy) == [false, true]
            }
            #expect(settled)
            for _ in 0..<4 {
                let response = try #require(await TestSupport.get(url, "/health"))
                #expect(response.header(DemoBalancer.attemptsHeader) == "live")
                #expect(response.header(DemoBalancer.failOpenHeader) == nil)
            }
            let status = try #require(await TestSupport.get(url, "/_balancer/status"))
            let decoded = try JSONDecoder().decode(BalancerStatus.self, from: Data(status.body.utf8))
            #expect(decoded.failOpen == false)
            #expect(decoded.replicas.map(\.name) == ["dead", "live"])
            #expect(decoded.replicas[0].consecutiveFailures >= 1)
            #expect(!decoded.replicas[0].healthy && decoded.replicas[1].healthy)
        }
    }

    /// A backend's own HTTP error is passed through, not retried: the replica answered.
    @Test func passesThroughBackendErrors() async throws {
        try await withBalancer(backends: { live in
            [BalancerBackend(name: "live", endpoint: .init(host: "127.0.0.1", port: live))]
        }, healthChecks: false) { url, _ in
            // The payments app has no /checkout, so the backend answers 404 itself.
            let response = try #require(await TestSupport.get(url, "/checkout"))
            #expect(response.status == 404)
            #expect(response.header(DemoBalancer.attemptsHeader) == "live")
        }
    }

    /// When no backend answers: 502 if connections were refused, 504 if every attempt timed out.
    @Test func answers502Or504WhenNoBackendAnswers() async throws {
        let refused = try freeLoopbackPort()
        // A listening socket nobody accepts on: connections complete, responses never come (like SIGSTOP).
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(silent >= 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(silent, $0, length) == 0 && listen(silent, 16) == 0 && getsockname(silent, $0, &length) == 0
            }
        }
        try #require(listening)
        let silentPort = Int(UInt16(bigEndian: address.sin_port))

        try await withBalancer(backends: { _ in
            [BalancerBackend(name: "refused", endpoint: .init(host: "127.0.0.1", port: refused))]
        }, healthChecks: false) { url, _ in
            let response = try #require(await TestSupport.get(url, "/checkout"))
            #expect(response.status == 502)
            #expect(response.body.contains("no replica answered (tried refused)"))
        }
        try await withBalancer(backends: { _ in
            [BalancerBackend(name: "silent-a", endpoint: .init(host: "127.0.0.1", port: silentPort)),
             BalancerBackend(name: "silent-b", endpoint: .init(host: "127.0.0.1", port: silentPort))]
        }, configuration: .init(requestTimeout: .milliseconds(200)), healthChecks: false) { url, _ in
            let response = try #require(await TestSupport.get(url, "/checkout"))
            #expect(response.status == 504)
            #expect(response.header(DemoBalancer.attemptsHeader) == "silent-a,silent-b")
            #expect(response.header(DemoBalancer.failOpenHeader) == "true")
        }
    }
}
