import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The one way gameday serves HTTP: a Hummingbird application bound to `host:port` that reports the address it
/// actually bound (so port 0 works and the caller learns the real port).
///
/// Two uses, one construction:
/// - ``application(router:host:port:serverName:idleTimeout:eventLoopGroup:logger:onListening:)``: a `Service` to run
///   beside others in the caller's own `ServiceGroup` (the scheduler's `/metrics`, the demo replica);
/// - ``start(router:host:port:serverName:idleTimeout:eventLoopGroup:shutdownTimeout:logger:)``: starts it in the
///   background, returns once it listens (or throws ``HTTPServingError`` when it cannot), and hands back a
///   ``ServedApplication`` whose `stop()` shuts it down gracefully within a bounded time.
public enum HTTPServing {
    /// How long ``ServedApplication/stop()`` lets open requests finish before it cancels the server.
    public static let defaultShutdownTimeout: Duration = .seconds(5)

    /// A Hummingbird application serving `router` on `host:port`; `onListening` receives the bound address once the
    /// server listens. Run it in a `ServiceGroup`.
    public static func application<Router: HTTPResponderBuilder>(
        router: Router, host: String, port: Int, serverName: String? = nil, idleTimeout: TimeAmount? = nil,
        eventLoopGroup: EventLoopGroupProvider = .singleton, logger: Logger,
        onListening: @escaping @Sendable (BoundAddress) async -> Void = { _ in }
    ) -> some Service where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname(host, port: port), serverName: serverName),
            onServerRunning: { channel in
                await onListening(BoundAddress(socketAddress: channel.localAddress, requestedHost: host, requestedPort: port))
            },
            eventLoopGroupProvider: eventLoopGroup,
            logger: logger
        )
    }

    /// Starts serving `router` on `host:port` in the background and returns once it listens.
    ///
    /// - Throws: ``HTTPServingError`` when the server cannot listen (the address is in use, not local, …) or stops
    ///   before it listens; nothing is left running then.
    public static func start<Router: HTTPResponderBuilder>(
        router: Router, host: String, port: Int, serverName: String? = nil, idleTimeout: TimeAmount? = nil,
        eventLoopGroup: EventLoopGroupProvider = .singleton, shutdownTimeout: Duration = defaultShutdownTimeout,
        logger: Logger
    ) async throws -> ServedApplication
    where Router.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (events, continuation) = AsyncStream<Result<BoundAddress, any Error>>.makeStream()
        let app = application(router: router, host: host, port: port, serverName: serverName, idleTimeout: idleTimeout,
                              eventLoopGroup: eventLoopGroup, logger: logger) { bound in
            continuation.yield(.success(bound))
        }
        var configuration = ServiceGroupConfiguration(services: [.init(service: app)], logger: logger)
        // Past this, graceful shutdown becomes cancellation, which closes the connections still open.
        configuration.maximumGracefulShutdownDuration = shutdownTimeout
        let group = ServiceGroup(configuration: configuration)
        // Owned by the returned ServedApplication (or awaited below when the server never listens). Detached: the
        // server lives until stop(), not until the cancellation or graceful shutdown of whichever task started it.
        let task = Task.detached {
            do {
                try await group.run()
                continuation.finish()
            } catch {
                continuation.yield(.failure(error))
                continuation.finish()
                throw error
            }
        }
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        guard case .success(let bound) = first else {
            await group.triggerGracefulShutdown()
            _ = await task.result
            let reason: String
            switch first {
            case .failure(let error): reason = "\(error)"
            default: reason = Task.isCancelled ? "cancelled" : "the server stopped"
            }
            throw HTTPServingError(address: "\(host):\(port)", reason: reason)
        }
        return ServedApplication(address: bound, group: group, task: task)
    }
}

/// The address a server bound.
public struct BoundAddress: Sendable, Equatable {
    /// The listening socket's address (nil only if the channel could not tell).
    public var socketAddress: SocketAddress?
    /// The host and port the server was asked to bind.
    public var requestedHost: String
    public var requestedPort: Int

    public init(socketAddress: SocketAddress?, requestedHost: String, requestedPort: Int) {
        self.socketAddress = socketAddress; self.requestedHost = requestedHost; self.requestedPort = requestedPort
    }

    /// The bound port (port 0 became this), else the requested one.
    public var port: Int { socketAddress?.port ?? requestedPort }
    /// The bound IP address in text form, if known.
    public var ipAddress: String? { socketAddress?.ipAddress }
}

/// A server started by ``HTTPServing/start(router:host:port:serverName:idleTimeout:eventLoopGroup:shutdownTimeout:logger:)``.
public struct ServedApplication: Sendable {
    /// Where it listens.
    public let address: BoundAddress
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(address: BoundAddress, group: ServiceGroup, task: Task<Void, any Error>) {
        self.address = address; self.group = group; self.task = task
    }

    /// Stops serving: open requests get the shutdown timeout to finish, then the server is cancelled; returns once
    /// the port is released. Idempotent.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}

/// A server could not listen.
public struct HTTPServingError: Error, CustomStringConvertible {
    /// The `host:port` it was asked to bind.
    public var address: String
    /// Why: the underlying error's text (e.g. `Address already in use`), or `the server stopped`.
    public var reason: String

    public init(address: String, reason: String) { self.address = address; self.reason = reason }

    public var description: String { "cannot listen on \(address): \(reason); pick another address or port 0" }
}

extension HTTPServing {
    /// A router answering `GET /metrics` with a Prometheus text exposition (format 0.0.4) that `emit` renders per
    /// request: the run's and the scheduler's metrics endpoints.
    public static func metricsRouter(emit: @escaping @Sendable () -> [UInt8]) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: emit())))
        }
        return router
    }
}
