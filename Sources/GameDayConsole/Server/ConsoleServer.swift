import Foundation
import GameDayCore
import GameDayHTTP
import Hummingbird
import Logging

/// The live game-day page: serves its own HTML, CSS and JS (no external assets), streams the run's journal as
/// server-sent events, and takes operator actions as token-carrying POSTs.
///
/// `start()` binds (so a port in use fails before the run starts); `follow(journal:)` points it at the run's
/// journal once it exists; `stop()` reads the journal's last lines, ends every stream and shuts the server down.
public actor ConsoleServer {
    private enum State {
        case idle
        case running(ServedApplication, poller: Task<Void, Never>, address: HostPort)
        case stopped
    }

    public nonisolated let configuration: ConsoleConfiguration
    public nonisolated let follower = JournalBroadcaster()
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
        case .running(_, _, let address): return address
        case .stopped: throw ConsoleError.bindFailed(address: "\(configuration.host):\(configuration.port)", reason: "the console was stopped")
        case .idle: break
        }
        let routes = ConsoleRoutes(access: configuration.access, blind: configuration.blind, follower: follower, actions: actions)
        let served: ServedApplication
        do {
            served = try await HTTPServing.start(
                router: routes.makeRouter(), host: configuration.host, port: configuration.port,
                idleTimeout: .seconds(60), logger: logger)
        } catch let error as HTTPServingError {
            throw ConsoleError.bindFailed(address: "\(configuration.host):\(configuration.port)", reason: error.reason)
        }
        let bound = HostPort(host: configuration.host, port: served.address.port)
        let follower = self.follower
        let poller = Task { await follower.run() }
        state = .running(served, poller: poller, address: bound)
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
        guard case .running(let served, let poller, _) = state else {
            state = .stopped
            return
        }
        state = .stopped
        poller.cancel()
        await poller.value
        await follower.finish()
        await served.stop()
    }
}
