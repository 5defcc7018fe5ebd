import GameDayCore
import Logging
import NIOCore
import NIOPosix

/// One client connection through a proxy and its upstream connection. Lives on the client channel's event loop;
/// both channels share that loop, so nothing here needs a lock.
final class ProxyConnection: ConnectionControl {
    let id: UInt64
    private let proxy: TCPProxy
    private let client: Channel
    private var upstream: Channel?
    private var machine = ConnectionStateMachine()
    private var logger: Logger
    /// Installed toxic handlers by toxic name (nil until the pipelines are built).
    private var installed: [String: (stream: ToxicStream, handler: ToxicHandler)]?
    private var clientGlue: GlueHandler?
    private var upstreamGlue: GlueHandler?
    private var finished = false
    /// Set when the client channel has closed (the client is not active yet while the connection is set up).
    private var clientClosed = false

    init(id: UInt64, proxy: TCPProxy, client: Channel, logger: Logger) {
        self.id = id
        self.proxy = proxy
        self.client = client
        var logger = logger
        logger[metadataKey: "connection"] = "\(id)"
        self.logger = logger
    }

    // MARK: Opening

    /// Waits for any `slow_open` toxics, then connects upstream and joins the two sides.
    func open(upstreamAddress: String) {
        var delay = TimeAmount.zero
        for spec in proxy.currentToxics() {
            guard let opening = spec.toxic as? any ConnectionOpeningToxic else { continue }
            let context = makeContext(for: spec)
            if context.sample() {
                context.recordFired()
                delay = delay + opening.openDelay(random: &context.random)
            }
        }
        let loop = client.eventLoop.assumeIsolated()
        if delay > .zero {
            loop.scheduleTask(in: delay) { [self] in connect(to: upstreamAddress) }
        } else {
            connect(to: upstreamAddress)
        }
    }

    private func connect(to address: String) {
        guard !clientClosed, !machine.isClosing else { return finish() }
        let target: HostPort
        do {
            target = try HostPort(parsing: address, defaultHost: "127.0.0.1")
        } catch {
            logger.warning("upstream address is invalid; closing the client", metadata: ["upstream": "\(address)"])
            return closeClient()
        }
        ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.recvAllocator, value: TCPProxy.recvAllocator)
            .connectTimeout(.seconds(10))
            .connect(host: target.host, port: target.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    join(upstream: channel)
                case .failure(let error):
                    proxy.metrics.upstreamFailures.increment()
                    logger.warning("upstream connect failed; closing the client cleanly",
                                   metadata: ["upstream": "\(address)", "error": "\(error)"])
                    closeClient()
                }
            }
    }

    private func closeClient() {
        _ = machine.closeRequested()
        gracefulClose(client)
    }

    private func join(upstream channel: Channel) {
        upstream = channel
        guard !clientClosed, !machine.isClosing else {
            channel.close(promise: nil)
            return
        }
        let metrics = proxy.metrics
        let clientGlue = GlueHandler(side: .client) { metrics.upstreamBytes.increment(by: Int64($0)) }
        let upstreamGlue = GlueHandler(side: .upstream) { metrics.downstreamBytes.increment(by: Int64($0)) }
        clientGlue.partner = upstreamGlue
        upstreamGlue.partner = clientGlue
        clientGlue.connection = self
        upstreamGlue.connection = self
        self.clientGlue = clientGlue
        self.upstreamGlue = upstreamGlue
        do {
            try client.pipeline.syncOperations.addHandler(clientGlue)
            try channel.pipeline.syncOperations.addHandler(upstreamGlue)
            installed = [:]
            for spec in proxy.currentToxics() { install(spec, position: nil) }
        } catch {
            logger.warning("could not set up the connection", metadata: ["error": "\(error)"])
            return perform(machine.closeRequested())
        }
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in finish() }
        client.setOption(.autoRead, value: true).whenFailure { _ in }
        channel.setOption(.autoRead, value: true).whenFailure { _ in }
        logger.debug("connection open", metadata: ["upstream": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
    }

    /// The client channel closed.
    func clientDidClose() {
        clientClosed = true
        finish()
    }

    /// Unregisters once both sides are closed (called from both close futures).
    func finish() {
        guard !finished, clientClosed, !(upstream?.isActive ?? false) else { return }
        finished = true
        proxy.connectionFinished(id)
    }

    // MARK: Toxics on a live connection

    private func makeContext(for spec: ToxicSpec) -> ToxicHandlerContext {
        let random = SeededGenerator(seed: proxy.seed, stream: "\(proxy.name)/\(spec.name)/\(spec.revision)/\(id)")
        let counter = proxy.metrics.fired(toxic: spec.name, type: spec.typeName)
        return ToxicHandlerContext(toxicName: spec.name, stream: spec.stream, toxicity: spec.toxicity, random: random,
                                   connection: self, onFire: { counter.increment() })
    }

    private func channel(for stream: ToxicStream) -> Channel? { stream == .upstream ? client : upstream }

    private func install(_ spec: ToxicSpec, position: ToxicHandler?) {
        guard installed != nil, installed?[spec.name] == nil, let channel = channel(for: spec.stream) else { return }
        let glue: GlueHandler? = spec.stream == .upstream ? clientGlue : upstreamGlue
        guard let glue else { return }
        let handler = spec.toxic.makeHandler(context: makeContext(for: spec))
        do {
            let operations = channel.pipeline.syncOperations
            if let position {
                try operations.addHandler(handler, position: .before(position))
            } else {
                try operations.addHandler(handler, position: .before(glue))
            }
            installed?[spec.name] = (spec.stream, handler)
        } catch {
            logger.debug("toxic not installed: connection closing", metadata: ["toxic": "\(spec.name)"])
        }
    }

    private func uninstall(_ name: String) {
        guard let entry = installed?.removeValue(forKey: name), let channel = channel(for: entry.stream) else { return }
        channel.pipeline.syncOperations.removeHandler(entry.handler, promise: nil)
    }

    /// Applies a change to this connection's toxics (idempotent: a change already reflected is a no-op).
    func apply(_ change: ToxicChange) {
        guard installed != nil else { return }
        switch change {
        case .add(let spec):
            install(spec, position: nil)
        case .remove(let name):
            uninstall(name)
        case .update(let spec):
            if let old = installed?[spec.name], old.stream == spec.stream {
                // The new handler goes in front of the old one, which then forwards what it holds past it: data in
                // flight keeps its order and is not faulted twice.
                installed?[spec.name] = nil
                install(spec, position: old.handler)
                if let channel = channel(for: old.stream) {
                    channel.pipeline.syncOperations.removeHandler(old.handler, promise: nil)
                }
            } else {
                uninstall(spec.name)
                install(spec, position: nil)
            }
        }
    }

    // MARK: Closing (ConnectionControl and glue events)

    func closeConnection() {
        // Deferred: toxics call this from inside pipeline callbacks, where closing re-entrantly is unsafe.
        client.eventLoop.assumeIsolated().execute { [self] in perform(machine.closeRequested()) }
    }

    func resetConnection(stream: ToxicStream) {
        let destination: ConnectionStateMachine.Side = stream == .upstream ? .upstream : .client
        client.eventLoop.assumeIsolated().execute { [self] in perform(machine.resetRequested(destination: destination)) }
    }

    func endOfStream(from side: ConnectionStateMachine.Side) {
        perform(machine.endOfStream(from: side))
    }

    func sideFailed(_ side: ConnectionStateMachine.Side, error: Error) {
        logger.info("connection failed; closing both sides", metadata: ["side": "\(side)", "error": "\(error)"])
        perform(machine.sideInactive(side))
    }

    func sideInactive(_ side: ConnectionStateMachine.Side) {
        if !machine.isClosing { logger.debug("peer closed", metadata: ["side": "\(side)"]) }
        perform(machine.sideInactive(side))
    }

    /// Closes the connection because the proxy is going away or being disabled.
    func shutdown() { perform(machine.closeRequested()) }

    private func side(_ side: ConnectionStateMachine.Side) -> Channel? { side == .client ? client : upstream }

    private func perform(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none:
            return
        case .shutdownOutput(let target):
            guard let channel = side(target) else { return perform(machine.shutdownFailed()) }
            channel.close(mode: .output).assumeIsolated().whenFailure { [self] _ in perform(machine.shutdownFailed()) }
        case .closeGracefully:
            gracefulClose(client)
            if let upstream { gracefulClose(upstream) }
        case .reset(let target):
            if let channel = side(target) {
                // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                if let provider = channel as? SocketOptionProvider {
                    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                        .assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
                } else {
                    channel.close(promise: nil)
                }
            }
            if let other = side(target.other) { gracefulClose(other) }
        }
    }

    /// Sends what was already written, then FIN, then closes.
    private func gracefulClose(_ channel: Channel) {
        guard channel.isActive else { return channel.close(promise: nil) }
        channel.flush()
        channel.close(mode: .output).assumeIsolated().whenComplete { _ in channel.close(promise: nil) }
    }
}
