import GameDayCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One named proxy: a listener and the connections it relays to its upstream, with their toxics.
///
/// Thread-safe: configuration and the set of live connections sit behind a mutex; each connection's handlers are
/// only touched on that connection's event loop (changes are sent there with `execute`).
final class TCPProxy: Sendable {
    /// Receive buffers grow up to 256 KiB for bulk streams and start small: a channel keeps its receive buffer
    /// between reads, so with thousands of mostly idle connections the initial size is what stays resident.
    static let recvAllocator = AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 2048, maximum: 262_144)

    private struct State {
        var listen: String
        var upstream: String
        var enabled = false
        var toxics: [ToxicSpec] = []
        var listener: Channel?
        var connections: [UInt64: NIOLoopBound<ProxyConnection>] = [:]
        var nextConnection: UInt64 = 0
        /// Whether the last accepted connection was refused for the cap (logged once per episode, not per connection).
        var saturated = false
    }

    let name: String
    let seed: UInt64
    let metrics: ProxyMetrics
    /// Client connections open at once; beyond it new ones are closed at once and counted.
    let maxConnections: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state: Mutex<State>

    init(name: String, listen: String, upstream: String, seed: UInt64, group: any EventLoopGroup,
         metrics: ProxyMetrics, maxConnections: Int = ProxyLimits().maxConnectionsPerProxy, logger: Logger) {
        self.name = name
        self.maxConnections = maxConnections
        self.seed = seed
        self.group = group
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "proxy"] = "\(name)"
        self.logger = logger
        state = Mutex(State(listen: listen, upstream: upstream))
    }

    // MARK: Configuration

    var listen: String { state.withLock { $0.listen } }
    var upstream: String { state.withLock { $0.upstream } }
    var enabled: Bool { state.withLock { $0.enabled } }
    var connectionCount: Int { state.withLock { $0.connections.count } }

    func currentToxics() -> [ToxicSpec] { state.withLock { $0.toxics } }

    /// Sets the upstream for new connections.
    func setUpstream(_ upstream: String) { state.withLock { $0.upstream = upstream } }

    /// Sets the listen address (takes effect at the next `start`).
    func setListen(_ listen: String) { state.withLock { $0.listen = listen } }

    /// The Toxiproxy JSON shape of the proxy.
    var json: JSONValue {
        state.withLock { s in
            .object([
                "name": .string(name), "listen": .string(s.listen), "upstream": .string(s.upstream),
                "enabled": .bool(s.enabled), "toxics": .array(s.toxics.map(\.json)),
            ])
        }
    }

    // MARK: Listening

    /// Binds the listen address and starts accepting; stores the resolved address (port 0 becomes the real port).
    func start() async throws {
        if enabled { return }
        let address = try HostPort(parsing: listen, defaultHost: "127.0.0.1")
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.recvAllocator, value: Self.recvAllocator)
            .childChannelInitializer { [self] channel in
                accept(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: address.host, port: address.port)
            .get()
        let resolved = channel.localAddress.flatMap(HostPort.init).map(\.description) ?? listen
        state.withLock {
            $0.listener = channel
            $0.listen = resolved
            $0.enabled = true
        }
        logger.info("proxy listening", metadata: ["listen": "\(resolved)", "upstream": "\(upstream)"])
    }

    /// Stops listening and closes every connection.
    func stop() async {
        let (listener, connections) = state.withLock { s -> (Channel?, [NIOLoopBound<ProxyConnection>]) in
            let result = (s.listener, Array(s.connections.values))
            s.listener = nil
            s.enabled = false
            return result
        }
        try? await listener?.close()
        for connection in connections {
            connection.eventLoop.execute { connection.value.shutdown() }
        }
        if listener != nil { logger.info("proxy stopped") }
    }

    private enum Admission {
        case admitted(NIOLoopBound<ProxyConnection>, upstream: String, resumed: Bool)
        case refused(firstOfEpisode: Bool)
    }

    private func accept(_ channel: Channel) {
        // Count and insert under one lock, so concurrent accepts on several event loops cannot overshoot the cap.
        let admission = state.withLock { s -> Admission in
            guard s.connections.count < maxConnections else {
                defer { s.saturated = true }
                return .refused(firstOfEpisode: !s.saturated)
            }
            let id = s.nextConnection
            s.nextConnection += 1
            let bound = NIOLoopBound(ProxyConnection(id: id, proxy: self, client: channel, logger: logger), eventLoop: channel.eventLoop)
            s.connections[id] = bound
            defer { s.saturated = false }
            return .admitted(bound, upstream: s.upstream, resumed: s.saturated)
        }
        guard case .admitted(let bound, let upstream, let resumed) = admission else {
            if case .refused(true) = admission {
                logger.warning("proxy has its maximum of open connections: refusing new ones until some close", metadata: ["max": "\(maxConnections)"])
            }
            metrics.refusedConnections.increment()
            channel.close(promise: nil)
            return
        }
        if resumed { logger.notice("proxy accepts connections again", metadata: ["max": "\(maxConnections)"]) }
        let connection = bound.value
        metrics.connections.increment()
        metrics.activeConnections.increment()
        channel.closeFuture.assumeIsolated().whenComplete { _ in connection.clientDidClose() }
        connection.open(upstreamAddress: upstream)
    }

    func connectionFinished(_ id: UInt64) {
        let removed = state.withLock { $0.connections.removeValue(forKey: id) != nil }
        if removed { metrics.activeConnections.decrement() }
    }

    // MARK: Toxics

    /// Replaces the toxic list and sends `change` to every live connection.
    func changeToxics(_ toxics: [ToxicSpec], change: ToxicChange?) {
        let connections = state.withLock { s -> [NIOLoopBound<ProxyConnection>] in
            s.toxics = toxics
            return change == nil ? [] : Array(s.connections.values)
        }
        guard let change else { return }
        for connection in connections {
            connection.eventLoop.execute { connection.value.apply(change) }
        }
    }
}
