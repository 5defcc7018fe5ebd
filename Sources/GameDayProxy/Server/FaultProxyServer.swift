import Foundation
import GameDayCore
import GameDayHTTP
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The sidecar fault proxy: named TCP proxies with toxics, driven by a Toxiproxy-compatible HTTP API.
///
/// Use it as a `Service` (the `gameday proxy` daemon: `run()` serves until graceful shutdown) or in-process
/// (`start()`, `createProxy`, `shutdown()`), e.g. for a plan's `proxies:` entry started by the run itself.
public actor FaultProxyServer: Service {
    private enum State {
        case idle
        case running(ServedApplication, address: String)
        case stopped
    }

    /// The proxies; the API is a thin layer over it.
    public let collection: ProxyCollection
    /// Per-proxy counters, served on `GET /metrics`.
    public nonisolated let metrics: PrometheusCollectorRegistry
    /// The seed actually used for toxicity and jitter.
    public nonisolated let seed: UInt64
    private let configuration: ProxyServerConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private var state = State.idle

    public init(configuration: ProxyServerConfiguration, logger: Logger,
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.logger = logger
        self.group = eventLoopGroup
        let seed = configuration.seed ?? UInt64.random(in: 0...UInt64.max)
        self.seed = seed
        let metrics = PrometheusCollectorRegistry()
        self.metrics = metrics
        collection = ProxyCollection(seed: seed, group: eventLoopGroup, metrics: metrics, limits: configuration.limits,
                                     allowRemoteListen: configuration.allowRemoteListen, logger: logger)
    }

    /// The API's base URL once started (`http://127.0.0.1:8474`).
    public var apiURL: String? {
        if case .running(_, let address) = state { return "http://\(address)" }
        return nil
    }

    /// Starts the API (and the proxies of `configFile`); returns the bound API address (`127.0.0.1:8474`).
    @discardableResult
    public func start() async throws -> String {
        switch state {
        case .running(_, let address): return address
        case .stopped: throw ProxyServerError.notRunning
        case .idle: break
        }
        guard configuration.bindsLoopback || !(configuration.token ?? "").isEmpty else {
            throw ProxyServerError.tokenRequired(host: configuration.host)
        }
        if let token = configuration.token, token.isEmpty {
            throw ProxyServerError.tokenRequired(host: configuration.host)
        }
        let api = ControlAPI(collection: collection, metrics: metrics, token: configuration.token,
                             maxBodyBytes: configuration.limits.maxBodyBytes)
        let served: ServedApplication
        do {
            served = try await HTTPServing.start(
                router: api.makeRouter(), host: configuration.host, port: configuration.port,
                idleTimeout: .seconds(30), eventLoopGroup: .shared(group), logger: logger)
        } catch let error as HTTPServingError {
            throw ProxyServerError.apiBindFailed(address: "\(configuration.host):\(configuration.port)", reason: error.reason)
        }
        let bound = served.address.socketAddress.flatMap(HostPort.init).map(\.description) ?? "?"
        state = .running(served, address: bound)
        logger.info("proxy API listening", metadata: [
            "address": "\(bound)", "seed": "\(seed)", "auth": "\(configuration.token == nil ? "none" : "bearer token")",
            "remote_listen": "\(configuration.allowRemoteListen ? "allowed" : "refused")",
        ])
        if let path = configuration.configFile {
            do {
                try await populate(fromFile: path)
            } catch {
                await shutdown()
                throw error
            }
        }
        return bound
    }

    /// Creates (and starts) a proxy the owner defines (e.g. a plan's `proxies:` entry: it may listen on any
    /// address); returns its resolved listen address (port 0 becomes the real port).
    public func createProxy(name: String, listen: String, upstream: String) async throws -> String {
        _ = try await collection.create(["name": .string(name), "listen": .string(listen), "upstream": .string(upstream)],
                                        fromOwner: true)
        return try await collection.listenAddress(of: name)
    }

    /// Creates or replaces proxies from a Toxiproxy config file.
    public func populate(fromFile path: String) async throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProxyServerError.configUnreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        let body: JSONValue
        do {
            body = try JSONBody.parse(Array(data))
        } catch {
            throw ProxyServerError.configInvalid(path: path, reason: error.message)
        }
        let (status, result) = await collection.populate(body, fromOwner: true)
        guard status == 201 else {
            if case .object(let object) = result, case .string(let message) = object["error"] {
                throw ProxyServerError.configInvalid(path: path, reason: message)
            }
            throw ProxyServerError.configInvalid(path: path, reason: "status \(status)")
        }
        logger.info("populated proxies from file", metadata: ["config": "\(path)"])
    }

    /// Stops the API and every proxy. Idempotent.
    public func shutdown() async {
        guard case .running(let served, _) = state else {
            state = .stopped
            return
        }
        state = .stopped
        await collection.shutdown()
        await served.stop()
        logger.info("proxy daemon stopped")
    }

    /// Serves until graceful shutdown (SIGINT/SIGTERM through the service group), then stops everything.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await shutdown()
    }
}
