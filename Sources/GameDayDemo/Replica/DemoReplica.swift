#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GameDayHTTP
import Hummingbird
import Logging
import ServiceLifecycle

/// Settings of one replica process.
public struct ReplicaConfiguration: Sendable, Equatable {
    /// Name shown in responses and logs, e.g. `r1`.
    public var name: String
    /// Port on 127.0.0.1.
    public var port: Int
    /// Where the replica writes its pid once it listens (and removes it on a clean exit).
    public var pidFile: String
    /// The payments dependency `GET /checkout` calls, if any.
    public var dependency: DemoEndpoint?
    /// Deadline of the call to the dependency.
    public var dependencyTimeout: Duration
    /// When set, the replica exits as soon as its parent is no longer this pid (the supervisor died), so a crashed
    /// controller never leaves replicas behind.
    public var parentPID: Int32?

    public init(name: String, port: Int, pidFile: String, dependency: DemoEndpoint? = nil,
                dependencyTimeout: Duration = .seconds(2), parentPID: Int32? = nil) {
        self.name = name
        self.port = port
        self.pidFile = pidFile
        self.dependency = dependency
        self.dependencyTimeout = dependencyTimeout
        self.parentPID = parentPID
    }
}

/// One replica of the demo's checkout service, run as its own OS process (`gameday demo-fleet replica`).
///
/// `GET /health` answers 200 `ok`; `GET /metrics` serves ``DemoMetrics``. `GET /checkout` calls the dependency's `GET /pay` and answers 200
/// `ok from NAME (paid)`, or 502 when the dependency failed or timed out; without a dependency it answers 200
/// `ok from NAME`. The pid file is written atomically once the port is bound, and removed on a clean exit
/// (SIGTERM or SIGINT trigger a graceful shutdown).
public enum DemoReplica {
    /// Runs the replica until SIGTERM/SIGINT (or until its parent is gone when `parentPID` is set).
    public static func run(configuration: ReplicaConfiguration, logger: Logger) async throws {
        guard !configuration.name.isEmpty else {
            throw DemoFleetError.invalidConfiguration("a replica needs a non-empty --name")
        }
        guard (1...65535).contains(configuration.port) else {
            throw DemoFleetError.invalidConfiguration("replica port \(configuration.port) is not between 1 and 65535")
        }
        let ownPID = getpid()
        let router = Router()
        router.get("health") { _, _ in "ok" }
        let metrics = DemoMetrics()
        router.get("checkout") { _, _ in await metrics.measure(path: "/checkout") { await checkout(configuration: configuration, logger: logger) } }
        router.get("metrics") { _, _ in metrics.response() }
        let app = HTTPServing.application(
            router: router, host: "127.0.0.1", port: configuration.port, serverName: "gameday-demo-\(configuration.name)",
            logger: logger
        ) { _ in
            do {
                try PIDFile.write(ownPID, to: configuration.pidFile)
                logger.notice("replica listening", metadata: [
                    "replica": "\(configuration.name)", "port": "\(configuration.port)", "pid": "\(ownPID)",
                ])
            } catch {
                logger.error("replica could not write its pid file", metadata: ["error": "\(error)"])
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
        if let parent = configuration.parentPID {
            services.append(.init(service: ParentWatcher(parentPID: parent, logger: logger),
                                  successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer { PIDFile.remove(configuration.pidFile, ifItNames: ownPID) }
        do {
            try await group.run()
        } catch {
            throw DemoFleetError.serverFailedToStart(component: "replica \(configuration.name)", reason: "\(error)")
        }
        logger.notice("replica stopped", metadata: ["replica": "\(configuration.name)"])
    }

    static func checkout(configuration: ReplicaConfiguration, logger: Logger) async -> Response {
        guard let dependency = configuration.dependency else {
            return text(.ok, "ok from \(configuration.name)")
        }
        do {
            let answer = try await DemoHTTPClient().get(
                host: dependency.host, port: dependency.port, path: dependency.requestPath("/pay"),
                timeout: configuration.dependencyTimeout)
            guard answer.status == 200 else {
                return text(.badGateway, "payment failed: the dependency answered \(answer.status)")
            }
            return text(.ok, "ok from \(configuration.name) (paid)")
        } catch {
            logger.warning("dependency call failed", metadata: ["error": "\(error)"])
            return text(.badGateway, "payment failed: \(error)")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Ends (and so shuts the replica down) once the process's parent is no longer `parentPID`.
struct ParentWatcher: Service {
    let parentPID: Int32
    let logger: Logger

    func run() async throws {
        let parentPID = self.parentPID
        let logger = self.logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if getppid() != parentPID {
                    logger.warning("parent process is gone; shutting down", metadata: ["parent": "\(parentPID)"])
                    return
                }
                do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
            }
        }
    }
}
