import Foundation

/// How to run the demo fleet: where its files go, which ports it uses, and how its parts behave.
///
/// Ports: with `basePort` N > 0 the balancer listens on N, replicas on N+1 … N+`replicaCount`, and the payments
/// dependency on N+`replicaCount`+1. With 0 (the default) the balancer and dependency bind free ports, and the
/// replicas get free ports below the kernel's ephemeral range (so an outgoing connection cannot take a replica's
/// port while it is down for a restart).
public struct DemoFleetConfiguration: Sendable, Equatable {
    /// Directory for pid files (`r1.pid`, …) and replica logs (`r1.log`, …); created if missing.
    public var directory: String
    /// First port of the fleet, or 0 to pick free ports.
    public var basePort: Int
    /// How many replicas to run (names `r1`, `r2`, …).
    public var replicaCount: Int
    /// How long the supervisor waits before starting a replica that exited (systemd's `RestartSec=`).
    public var restartDelay: Duration
    /// URL through which replicas reach the dependency, overriding its own address (e.g. a fault proxy that is
    /// already running). The `routeDependency` closure of ``DemoFleet/start(executable:configuration:logger:routeDependency:)``
    /// takes precedence when it returns a URL.
    public var dependencyURL: String?
    /// How long replicas get to exit after SIGTERM before SIGKILL.
    public var stopGracePeriod: Duration
    /// How long ``DemoFleet/start(executable:configuration:logger:routeDependency:)`` waits for every replica to
    /// be healthy in the balancer.
    public var readinessTimeout: Duration
    /// The balancer's health checks, timeouts and retries.
    public var balancer: BalancerConfiguration

    public init(
        directory: String,
        basePort: Int = 0,
        replicaCount: Int = 3,
        restartDelay: Duration = .seconds(3),
        dependencyURL: String? = nil,
        stopGracePeriod: Duration = .seconds(3),
        readinessTimeout: Duration = .seconds(20),
        balancer: BalancerConfiguration = .init()
    ) {
        self.directory = directory
        self.basePort = basePort
        self.replicaCount = replicaCount
        self.restartDelay = restartDelay
        self.dependencyURL = dependencyURL
        self.stopGracePeriod = stopGracePeriod
        self.readinessTimeout = readinessTimeout
        self.balancer = balancer
    }

    /// Names of the replicas: `r1` … `rN`.
    public var replicaNames: [String] { (0..<max(0, replicaCount)).map { "r\($0 + 1)" } }

    /// The fixed ports for a non-zero `basePort` (balancer, replicas in order, dependency); nil for free ports.
    public var fixedPorts: (balancer: Int, replicas: [Int], dependency: Int)? {
        guard basePort > 0 else { return nil }
        let replicas = (0..<max(0, replicaCount)).map { basePort + 1 + $0 }
        return (basePort, replicas, basePort + max(0, replicaCount) + 1)
    }

    /// Throws ``DemoFleetError/invalidConfiguration(_:)`` or ``DemoFleetError/invalidURL(_:reason:)`` describing
    /// the first problem.
    public func validate() throws {
        guard !directory.isEmpty else {
            throw DemoFleetError.invalidConfiguration("the directory for pid files and logs is empty")
        }
        guard (1...32).contains(replicaCount) else {
            throw DemoFleetError.invalidConfiguration("replica count \(replicaCount) is not between 1 and 32")
        }
        guard basePort == 0 || (1...(65535 - replicaCount - 1)).contains(basePort) else {
            throw DemoFleetError.invalidConfiguration(
                "base port \(basePort) leaves no room for \(replicaCount + 2) ports; use 0 or a port up to \(65535 - replicaCount - 1)")
        }
        for (name, value) in [("restart delay", restartDelay), ("stop grace period", stopGracePeriod),
                              ("readiness timeout", readinessTimeout),
                              ("health-check interval", balancer.healthCheckInterval),
                              ("health-check timeout", balancer.healthCheckTimeout),
                              ("request timeout", balancer.requestTimeout)] where value < .zero {
            throw DemoFleetError.invalidConfiguration("the \(name) is negative (\(value))")
        }
        guard balancer.healthCheckInterval > .zero, balancer.healthCheckTimeout > .zero, balancer.requestTimeout > .zero else {
            throw DemoFleetError.invalidConfiguration("health-check interval and timeouts must be greater than zero")
        }
        if let dependencyURL {
            _ = try DemoEndpoint(url: dependencyURL)
        }
    }
}

/// Where every part of a running demo fleet listens, and its files; printed as one JSON line by
/// `gameday demo-fleet up`.
public struct DemoFleetEndpoints: Sendable, Equatable, Codable {
    /// One replica process.
    public struct Replica: Sendable, Equatable, Codable {
        public var name: String
        public var port: Int
        public var url: String
        public var pidFile: String
        public var logFile: String
    }

    public var directory: String
    /// The balancer, e.g. `http://127.0.0.1:8080`; serves `/checkout`, `/health`, `/_balancer/status`.
    public var balancerURL: String
    public var balancerPort: Int
    /// The payments dependency's own address (in-process in the controller).
    public var dependencyURL: String
    public var dependencyPort: Int
    /// The address replicas call for the dependency (a fault proxy in front of it, or the dependency itself).
    public var replicaDependencyURL: String
    public var replicas: [Replica]
}
