import Foundation
import GameDayCore
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The live game-day page: serves its own HTML, CSS and JS (no external assets), streams the run's journal as
/// server-sent events, and takes operator actions as token-carrying POSTs.
///
/// `start()` binds (so a port in use fails before the run starts); `follow(journal:)` points it at the run's
/// journal once it exists; `stop()` reads the journal's last lines, ends every stream and shuts the server down.
public actor ConsoleServer {
    private enum State {
        case idle
        case running(server: Task<Void, any Error>, group: ServiceGroup, poller: Task<Void, Never>, address: HostPort)
        case stopped
    }

    public nonisolated let configuration: ConsoleConfiguration
    public nonisolated let follower = JournalFollower()
    private let actions: (any ConsoleActions)?
    private let logger: Logger
    private var state = State.idle

    /// `actions`: what the buttons do; nil for a read-only view of a run started elsewhere.
    public init(configuration: ConsoleConfiguration, actions: (any ConsoleActions)?, logger: Logger) {
        self.configuration = configuration
        self.actions = actions
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound address (port 0 becomes the real port).
    @discardableResult
    public func start() async throws -> HostPort {
        switch state {
        case .running(_, _, _, let address): return address
        case .stopped: throw ConsoleError.bindFailed(address: "\(configuration.host):\(configuration.port)", reason: "the console was stopped")
        case .idle: break
        }
        let routes = ConsoleRoutes(access: configuration.access, blind: configuration.blind, follower: follower, actions: actions)
        let (events, continuation) = AsyncStream<Result<HostPort, any Error>>.makeStream()
        let app = Application(
            router: routes.makeRouter(),
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [configuration] channel in
                let port = channel.localAddress?.port ?? configuration.port
                continuation.yield(.success(HostPort(host: configuration.host, port: port)))
            },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task {
            do {
                try await services.run()
                continuation.finish()
            } catch {
                continuation.yield(.failure(error))
                continuation.finish()
                throw error
            }
        }
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        let where_ = "\(configuration.host):\(configuration.port)"
        guard case .success(let bound) = first else {
            if case .failure(let error) = first { throw ConsoleError.bindFailed(address: where_, reason: "\(error)") }
            throw ConsoleError.bindFailed(address: where_, reason: "the server stopped")
        }
        let follower = self.follower
        let poller = Task { await follower.run() }
        state = .running(server: server, group: services, poller: poller, address: bound)
        return bound
    }

    /// Starts following the run's journal (call once the run directory exists).
    public func follow(journal: URL) async {
        await follower.follow(journal)
    }

    /// The three links to print, one per role, for the address the console listens on. A wildcard bind
    /// (`0.0.0.0`, `::`) is shown with this machine's host name, which is what people in the room can reach.
    public nonisolated func links(for address: HostPort) -> [(role: ConsoleRole, url: String)] {
        var shown = address
        if address.host == "0.0.0.0" || address.host == "::" { shown.host = ProcessInfo.processInfo.hostName }
        return ConsoleRole.allCases.map { role in
            (role, "http://\(shown.description)/#k=\(configuration.access.tokens[role] ?? "")")
        }
    }

    /// Ends every stream (after a last read of the journal) and stops the server. Idempotent.
    public func stop() async {
        guard case .running(let server, let services, let poller, _) = state else {
            state = .stopped
            return
        }
        state = .stopped
        poller.cancel()
        await poller.value
        await follower.finish()
        await services.triggerGracefulShutdown()
        _ = await server.result
    }
}
