import Foundation
import GameDayHTTP
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Settings of the demo balancer's active health checks and request forwarding.
public struct BalancerConfiguration: Sendable, Equatable {
    /// Time between the starts of two health-check rounds.
    public var healthCheckInterval: Duration
    /// Deadline of one `GET /health` probe.
    public var healthCheckTimeout: Duration
    /// Deadline of one forwarded request to one replica (connect and complete response).
    public var requestTimeout: Duration
    /// Health thresholds and retry count.
    public var policy: BalancerStateMachine.Policy

    public init(
        healthCheckInterval: Duration = .milliseconds(500),
        healthCheckTimeout: Duration = .milliseconds(300),
        requestTimeout: Duration = .seconds(1),
        policy: BalancerStateMachine.Policy = .init()
    ) {
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.requestTimeout = requestTimeout
        self.policy = policy
    }
}

/// A replica as the balancer sees it: a name for headers and logs, and where it listens.
public struct BalancerBackend: Sendable, Equatable {
    public var name: String
    public var endpoint: DemoEndpoint

    public init(name: String, endpoint: DemoEndpoint) {
        self.name = name
        self.endpoint = endpoint
    }
}

/// A point-in-time view of the balancer's health bookkeeping, as served on `GET /_balancer/status`.
public struct BalancerStatus: Sendable, Equatable, Codable {
    public struct Replica: Sendable, Equatable, Codable {
        public var name: String
        public var url: String
        public var healthy: Bool
        public var consecutiveFailures: Int
    }

    /// True when no replica is in rotation and requests go to all of them.
    public var failOpen: Bool
    public var replicas: [Replica]
}

/// The demo's load balancer: round-robin over replicas its own active health checker finds healthy, one retry on
/// another replica when a request gets no response, and fail-open when none is healthy.
///
/// Routes `GET /checkout` and `GET /health` to a replica and adds these response headers:
/// - `X-Gameday-Replica`: the replica that answered;
/// - `X-Gameday-Attempts`: every replica tried, in order, comma-separated;
/// - `X-Gameday-Fail-Open: true`: present only when no replica was healthy and the request was routed over all.
///
/// When no attempt gets a response it answers 504 (every attempt timed out) or 502. `GET /_balancer/status` returns
/// ``BalancerStatus`` as JSON. Run ``makeApplication(port:onRunning:)`` and ``healthChecker`` as services.
public struct DemoBalancer: Sendable {
    /// Header naming the replica that answered.
    public static let replicaHeader = "X-Gameday-Replica"
    /// Header listing every replica a request tried.
    public static let attemptsHeader = "X-Gameday-Attempts"
    /// Header present (value `true`) when the balancer is failing open.
    public static let failOpenHeader = "X-Gameday-Fail-Open"

    private let core: BalancerCore

    public init(backends: [BalancerBackend], configuration: BalancerConfiguration = .init(), logger: Logger) {
        self.core = BalancerCore(backends: backends, configuration: configuration, logger: logger)
    }

    /// The current health bookkeeping.
    public var status: BalancerStatus { core.status() }

    /// The service that probes every replica's `/health` at the configured interval until shutdown.
    public var healthChecker: some Service { BalancerHealthChecker(core: core) }

    /// The HTTP server on `127.0.0.1:port` (0 picks a free port); `onRunning` receives the bound port.
    public func makeApplication(port: Int, onRunning: @escaping @Sendable (Int) async -> Void) -> some Service {
        HTTPServing.application(router: router(), host: "127.0.0.1", port: port, serverName: Self.serverName,
                                logger: core.logger) { bound in await onRunning(bound.port) }
    }

    /// Starts the server on `127.0.0.1:port` in the background; returns once it listens.
    func start(port: Int) async throws -> ServedApplication {
        try await HTTPServing.start(router: router(), host: "127.0.0.1", port: port, serverName: Self.serverName,
                                    logger: core.logger)
    }

    private static let serverName = "gameday-demo-balancer"

    private func router() -> Router<BasicRequestContext> {
        let core = self.core
        let router = Router()
        let metrics = DemoMetrics()
        router.get("checkout") { _, _ in await metrics.measure(path: "/checkout") { await core.forward(path: "/checkout") } }
        router.get("metrics") { _, _ in metrics.response() }
        router.get("health") { _, _ in await core.forward(path: "/health") }
        router.get("_balancer/status") { _, _ in core.statusResponse() }
        return router
    }
}

/// State shared by request handlers and the health checker.
///
/// Sendable because every stored property is immutable and Sendable; the state machine sits behind a `Mutex`.
final class BalancerCore: Sendable {
    let backends: [BalancerBackend]
    let configuration: BalancerConfiguration
    let logger: Logger
    private let machine: Mutex<BalancerStateMachine>
    private let client = DemoHTTPClient()

    init(backends: [BalancerBackend], configuration: BalancerConfiguration, logger: Logger) {
        self.backends = backends
        self.configuration = configuration
        self.logger = logger
        self.machine = Mutex(BalancerStateMachine(replicaNames: backends.map(\.name), policy: configuration.policy))
    }

    func status() -> BalancerStatus {
        let snapshot = machine.withLock { $0 }
        return BalancerStatus(
            failOpen: snapshot.isFailingOpen,
            replicas: zip(backends, snapshot.replicas).map { backend, health in
                .init(name: backend.name, url: backend.endpoint.url, healthy: health.isHealthy,
                      consecutiveFailures: health.consecutiveFailures)
            }
        )
    }

    func statusResponse() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(status())) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func forward(path: String) async -> Response {
        let route = machine.withLock { $0.route() }
        if route.failOpen {
            logger.debug("no replica is healthy; failing open", metadata: ["path": "\(path)"])
        }
        var attempted: [String] = []
        var allTimedOut = true
        for index in route.attempts {
            let backend = backends[index]
            attempted.append(backend.name)
            do {
                let answer = try await client.get(
                    host: backend.endpoint.host, port: backend.endpoint.port,
                    path: backend.endpoint.requestPath(path), timeout: configuration.requestTimeout)
                return makeResponse(status: answer.status, body: answer.body, replica: backend.name,
                                    attempted: attempted, failOpen: route.failOpen)
            } catch {
                if case DemoHTTPClientError.timedOut = error {} else { allTimedOut = false }
                logger.info("request to replica failed; trying the next one if any", metadata: [
                    "replica": "\(backend.name)", "path": "\(path)", "error": "\(error)",
                ])
            }
        }
        let status = (allTimedOut && !attempted.isEmpty) ? 504 : 502
        let body = attempted.isEmpty
            ? "no replica configured\n"
            : "no replica answered (tried \(attempted.joined(separator: ", ")))\n"
        return makeResponse(status: status, body: body, replica: nil, attempted: attempted, failOpen: route.failOpen)
    }

    private func makeResponse(status: Int, body: String, replica: String?, attempted: [String], failOpen: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        if let replica, let name = HTTPFields.Element.Name(DemoBalancer.replicaHeader) {
            headers[name] = replica
        }
        if let name = HTTPFields.Element.Name(DemoBalancer.attemptsHeader) {
            headers[name] = attempted.joined(separator: ",")
        }
        if failOpen, let name = HTTPFields.Element.Name(DemoBalancer.failOpenHeader) {
            headers[name] = "true"
        }
        let code = (100...599).contains(status) ? status : 502
        return Response(status: .init(code: code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Probes every replica once, concurrently, and applies the results.
    func probeAll() async {
        let results = await withTaskGroup(of: (Int, Bool).self, returning: [(Int, Bool)].self) { group in
            for (index, backend) in backends.enumerated() {
                group.addTask {
                    let response = try? await self.client.get(
                        host: backend.endpoint.host, port: backend.endpoint.port,
                        path: backend.endpoint.requestPath("/health"), timeout: self.configuration.healthCheckTimeout)
                    return (index, response?.status == 200)
                }
            }
            var collected: [(Int, Bool)] = []
            for await result in group { collected.append(result) }
            return collected
        }
        let actions = machine.withLock { machine in
            results.map { index, healthy in
                healthy ? machine.probeSucceeded(replica: index) : machine.probeFailed(replica: index)
            }
        }
        for action in actions {
            switch action {
            case .none:
                break
            case .cameIntoRotation(let replica):
                logger.notice("replica is healthy; in rotation", metadata: ["replica": "\(replica)"])
            case .leftRotation(let replica, let failures):
                logger.notice("replica is unhealthy; out of rotation", metadata: [
                    "replica": "\(replica)", "consecutiveFailures": "\(failures)",
                ])
            }
        }
    }
}

/// Runs health-check rounds at a fixed cadence until graceful shutdown or cancellation.
struct BalancerHealthChecker: Service {
    let core: BalancerCore

    func run() async throws {
        let core = self.core
        await cancelWhenGracefulShutdown {
            let clock = ContinuousClock()
            var next = clock.now
            while !Task.isCancelled {
                await core.probeAll()
                next = next.advanced(by: core.configuration.healthCheckInterval)
                // After a stall (a loaded machine), resume the cadence instead of firing a burst of rounds.
                if next < clock.now { next = clock.now }
                do { try await Task.sleep(until: next, clock: clock) } catch { return }
            }
        }
    }
}
