import Foundation
import GameDayHTTP
import Logging
import ServiceLifecycle

/// The demo fleet on 127.0.0.1: a payments dependency (in-process), N replica processes of a checkout service kept
/// alive by a supervisor, and a health-routing balancer in front of them. No root needed; ready in about a second.
///
/// Start it in three stages, so that a fault proxy can sit between the replicas and their dependency:
/// 1. the payments dependency starts and its own URL is known;
/// 2. `routeDependency` receives that URL and returns the URL replicas should call instead (start a proxy to the
///    dependency there and return its listen URL), or nil to use ``DemoFleetConfiguration/dependencyURL`` if set,
///    else the dependency directly;
/// 3. the supervisor starts the replicas with that URL, the balancer starts, and `start` returns once the balancer
///    sees every replica healthy.
///
/// ```swift
/// let fleet = try await DemoFleet.start(executable: gamedayPath, configuration: .init(directory: dir), logger: logger) { paymentsURL in
///     let proxy = try await startProxy(upstream: paymentsURL)   // the caller's own proxy
///     return proxy.listenURL
/// }
/// defer { await fleet.stop() }   // (in an async context: call stop() on every path)
/// print(fleet.balancerURL, fleet.replicas.map(\.pidFile))
/// ```
///
/// Always call ``stop()``: it stops the replicas (SIGCONT, SIGTERM, SIGKILL after the grace period), reaps them,
/// removes their pid files and stops the in-process servers. Replicas also exit on their own when the controller
/// process dies, so a crashed controller leaves nothing behind.
public actor DemoFleet {
    /// Every address and file of the running fleet.
    public nonisolated let endpoints: DemoFleetEndpoints
    /// The balancer's URL, e.g. `http://127.0.0.1:8080`.
    public nonisolated var balancerURL: String { endpoints.balancerURL }
    /// The dependency's own URL (what a fault proxy in front of it should forward to).
    public nonisolated var dependencyURL: String { endpoints.dependencyURL }
    /// The URL replicas call for the dependency.
    public nonisolated var replicaDependencyURL: String { endpoints.replicaDependencyURL }
    /// The replicas: name, port, URL, pid file and log file.
    public nonisolated var replicas: [DemoFleetEndpoints.Replica] { endpoints.replicas }

    private nonisolated let balancer: DemoBalancer
    private let supervisor: ProcessSupervisor
    private let logger: Logger

    private enum State {
        case running(fleet: RunningServices, balancer: ServedApplication, payments: ServedApplication)
        case stopping(Task<Void, Never>)
        case stopped
    }
    private var state: State

    private init(endpoints: DemoFleetEndpoints, balancer: DemoBalancer, supervisor: ProcessSupervisor,
                 fleet: RunningServices, balancerServer: ServedApplication, payments: ServedApplication, logger: Logger) {
        self.endpoints = endpoints
        self.balancer = balancer
        self.supervisor = supervisor
        self.logger = logger
        self.state = .running(fleet: fleet, balancer: balancerServer, payments: payments)
    }

    /// The balancer's current view of replica health.
    public nonisolated var balancerStatus: BalancerStatus { balancer.status }

    /// The pid of each running replica, as its supervisor knows it, by name.
    public func replicaPIDs() async -> [String: Int32] { await supervisor.runningPIDs() }

    /// How often each replica was restarted after exiting, by name.
    public func restartCounts() async -> [String: Int] { await supervisor.restartCounts() }

    /// The path of the running executable (`/proc/self/exe` resolved), for a `gameday` process that starts its
    /// own fleet: replicas are then started from the same binary.
    public static func currentExecutablePath() throws -> String {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if path != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: path) { return path }
        let fallback = URL(fileURLWithPath: CommandLine.arguments.first ?? "").standardizedFileURL.path
        guard FileManager.default.isExecutableFile(atPath: fallback) else {
            throw DemoFleetError.spawnFailed(executable: fallback, reason: "cannot find the running executable")
        }
        return fallback
    }

    /// Starts the fleet and returns once every replica is healthy in the balancer.
    ///
    /// - Parameters:
    ///   - executable: path of the built `gameday` executable; replicas run as `gameday demo-fleet replica …`.
    ///   - routeDependency: receives the dependency's own URL once it listens; returns the URL replicas should call
    ///     (e.g. a fault proxy's listen address), or nil for the default (see the type's documentation).
    /// - Throws: ``DemoFleetError`` describing what failed; everything the fleet started is stopped first (what
    ///   `routeDependency` started, such as a proxy, is the caller's to stop).
    public static func start(
        executable: String,
        configuration: DemoFleetConfiguration,
        logger: Logger,
        routeDependency: @Sendable (_ dependencyURL: String) async throws -> String? = { _ in nil }
    ) async throws -> DemoFleet {
        try configuration.validate()
        guard ChildProcess.isExecutable(executable) else {
            throw DemoFleetError.spawnFailed(executable: executable, reason: "it is not an executable file")
        }
        let directory = URL(fileURLWithPath: configuration.directory).standardizedFileURL.path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DemoFleetError.directoryUnusable(path: directory, reason: error.localizedDescription)
        }
        let names = configuration.replicaNames
        let fixed = configuration.fixedPorts
        let replicaPorts = try fixed?.replicas ?? FreePorts.pick(names.count)
        let dependencyPortRequest = fixed?.dependency ?? 0
        let balancerPortRequest = fixed?.balancer ?? 0

        // Stage 1: the dependency.
        let payments: ServedApplication
        do {
            payments = try await DemoPayments.start(port: dependencyPortRequest, logger: logger)
        } catch {
            throw Self.startError("dependency", error)
        }
        let dependencyPort = payments.address.port

        // Stage 2: let the caller put a proxy in front of it. Its errors are the caller's own, passed on as they are.
        let replicaDependency: DemoEndpoint
        do {
            let ownURL = "http://127.0.0.1:\(dependencyPort)"
            let routed = try await routeDependency(ownURL)
            replicaDependency = try DemoEndpoint(url: routed ?? configuration.dependencyURL ?? ownURL)
        } catch {
            await payments.stop()
            throw error
        }

        // Stage 3: replicas under the supervisor, and the balancer.
        let controllerPID = ProcessInfo.processInfo.processIdentifier
        var replicas: [DemoFleetEndpoints.Replica] = []
        var processes: [SupervisedProcess] = []
        for (name, port) in zip(names, replicaPorts) {
            let pidFile = "\(directory)/\(name).pid"
            let logFile = "\(directory)/\(name).log"
            // A pid file left by an earlier, crashed fleet would name a process that is not ours.
            try? FileManager.default.removeItem(atPath: pidFile)
            replicas.append(.init(name: name, port: port, url: "http://127.0.0.1:\(port)", pidFile: pidFile, logFile: logFile))
            processes.append(SupervisedProcess(
                name: name,
                arguments: ["demo-fleet", "replica", "--name", name, "--port", "\(port)", "--pid-file", pidFile,
                            "--dependency", replicaDependency.url, "--parent-pid", "\(controllerPID)"],
                logFile: logFile, pidFile: pidFile))
        }
        let supervisor = ProcessSupervisor(
            executable: executable, processes: processes, restartDelay: configuration.restartDelay,
            stopGracePeriod: configuration.stopGracePeriod, logger: logger)
        let balancer = DemoBalancer(
            backends: replicas.map { BalancerBackend(name: $0.name, endpoint: DemoEndpoint(host: "127.0.0.1", port: $0.port)) },
            configuration: configuration.balancer, logger: logger)
        // The balancer binds first, so a port in use fails before any replica is started.
        let balancerServer: ServedApplication
        do {
            balancerServer = try await balancer.start(port: balancerPortRequest)
        } catch {
            await payments.stop()
            throw Self.startError("balancer", error)
        }
        let fleetServices = RunningServices.start([supervisor, balancer.healthChecker], logger: logger)

        do {
            let port = balancerServer.address.port
            try await waitUntilReady(balancer: balancer, replicas: replicas, services: fleetServices,
                                     timeout: configuration.readinessTimeout)
            let endpoints = DemoFleetEndpoints(
                directory: directory, balancerURL: "http://127.0.0.1:\(port)", balancerPort: port,
                dependencyURL: "http://127.0.0.1:\(dependencyPort)", dependencyPort: dependencyPort,
                replicaDependencyURL: replicaDependency.url, replicas: replicas)
            logger.notice("demo fleet ready", metadata: [
                "balancer": "\(endpoints.balancerURL)", "dependency": "\(endpoints.dependencyURL)",
                "replicaDependency": "\(endpoints.replicaDependencyURL)",
            ])
            return DemoFleet(endpoints: endpoints, balancer: balancer, supervisor: supervisor,
                             fleet: fleetServices, balancerServer: balancerServer, payments: payments, logger: logger)
        } catch {
            await fleetServices.stop()
            await balancerServer.stop()
            await payments.stop()
            throw Self.startError("balancer", error)
        }
    }

    /// Stops the balancer, the replicas (continued, terminated, killed after the grace period, reaped) and the
    /// dependency, and returns when all of it is gone. Safe to call more than once.
    public func stop() async {
        switch state {
        case .running(let fleet, let balancer, let payments):
            // A task, so that a concurrent second caller can await the same shutdown instead of returning early.
            let work = Task {
                await balancer.stop()
                await fleet.stop()
                await payments.stop()
            }
            state = .stopping(work)
            await work.value
            state = .stopped
            logger.notice("demo fleet stopped")
        case .stopping(let work):
            await work.value
        case .stopped:
            return
        }
    }

    private static func waitUntilReady(balancer: DemoBalancer, replicas: [DemoFleetEndpoints.Replica],
                                       services: RunningServices, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let status = balancer.status
            if status.replicas.allSatisfy(\.healthy),
               replicas.allSatisfy({ PIDFile.read($0.pidFile) != nil }) {
                return
            }
            if let error = await services.endError() {
                throw error
            }
            guard clock.now < deadline else {
                let missing = replicas.filter { replica in
                    PIDFile.read(replica.pidFile) == nil
                        || status.replicas.first { $0.name == replica.name }?.healthy != true
                }
                throw DemoFleetError.notReady(
                    waited: timeout,
                    detail: "not healthy: " + missing.map { "\($0.name) (log: \($0.logFile))" }.joined(separator: ", "))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private static func startError(_ component: String, _ error: any Error) -> any Error {
        if error is DemoFleetError || error is CancellationError { return error }
        if let error = error as? HTTPServingError {
            return DemoFleetError.serverFailedToStart(component: component, reason: error.reason)
        }
        return DemoFleetError.serverFailedToStart(component: component, reason: "\(error)")
    }
}

/// A group of services running in the background until ``stop()``.
///
/// The fleet outlives the call that starts it (that is the point of `start`/`stop`), so its services run in one
/// detached task per group. Detached, because the fleet's lifetime is governed by ``stop()`` alone, not by the
/// cancellation or graceful shutdown of whatever task happened to call `start`.
struct RunningServices: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>
    private let ended: ServicesEnd

    static func start(_ services: [any Service], logger: Logger) -> RunningServices {
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let ended = ServicesEnd()
        let task = Task.detached {
            do {
                try await group.run()
            } catch {
                await ended.record(error)
            }
        }
        return RunningServices(group: group, task: task, ended: ended)
    }

    /// The error the group ended with, if it already ended with one.
    func endError() async -> (any Error)? {
        await ended.error
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}

/// The error a group of services ended with, once it ended with one.
actor ServicesEnd {
    private(set) var error: (any Error)?
    func record(_ error: any Error) { if self.error == nil { self.error = error } }
}

/// The demo fleet as a `Service`: starts it, calls `onReady`, and stops it on graceful shutdown or cancellation.
public struct DemoFleetService: Service {
    private let executable: String
    private let configuration: DemoFleetConfiguration
    private let logger: Logger
    private let onReady: @Sendable (DemoFleet) async throws -> Void

    public init(executable: String, configuration: DemoFleetConfiguration, logger: Logger,
                onReady: @escaping @Sendable (DemoFleet) async throws -> Void) {
        self.executable = executable
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
    }

    public func run() async throws {
        let fleet = try await DemoFleet.start(executable: executable, configuration: configuration, logger: logger)
        do {
            try await onReady(fleet)
        } catch {
            await fleet.stop()
            throw error
        }
        try? await gracefulShutdown()
        await fleet.stop()
    }
}
