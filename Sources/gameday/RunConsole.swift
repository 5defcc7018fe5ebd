import Foundation
import GameDayConsole
import GameDayCore
import GameDayEngine
import Logging
import Synchronization

/// The live console of one `gameday run` (or `gameday demo`): binds before the run starts, follows its journal once
/// it exists, and turns the page's actions into what the terminal does: a mark like `d`/`m`/`n TEXT`, an abort
/// like SIGINT.
final class RunConsole: ConsoleActions {
    let server: ConsoleServer
    let address: HostPort
    /// Set once the runner exists; actions before that (nothing to act on yet) are dropped.
    private let runner = Mutex<Runner?>(nil)

    private init(server: ConsoleServer, address: HostPort) {
        self.server = server
        self.address = address
    }

    /// Starts the console on `address` (`HOST:PORT`), or returns nil when none was asked for.
    static func start(_ address: String?, blind: Bool = false, logger: Logger) async throws -> RunConsole? {
        guard let address else { return nil }
        let configuration = try ConsoleConfiguration.parse(address, blind: blind)
        // The server needs its actions at init and the actions need the server's console: a box breaks the cycle.
        let box = ActionsBox()
        let server = ConsoleServer(configuration: configuration, actions: box, logger: logger)
        let bound = try await server.start()
        let console = RunConsole(server: server, address: bound)
        box.set(console)
        return console
    }

    /// Points the console at the run's journal and prints the three links (stderr, whatever --quiet says: they
    /// were asked for).
    func attach(journal: URL, runner: Runner) async {
        self.runner.withLock { $0 = runner }
        await server.follow(journal: journal)
        Self.printLinks(server.links(for: address))
    }

    static func printLinks(_ links: [(role: ConsoleRole, url: String)]) {
        for link in links {
            Console.err("gameday: console \(link.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(link.url)")
        }
    }

    func stop() async {
        await server.stop()
    }

    func mark(_ mark: OperatorMark) async {
        guard let runner = runner.withLock({ $0 }) else { return }
        await runner.mark(mark)
    }

    func abort(by name: String, role: ConsoleRole) async {
        guard let runner = runner.withLock({ $0 }) else { return }
        // Exactly the SIGINT path (revert everything, journal it, exit 3); the signal event names who pressed it.
        await runner.interrupt(signal: "abort from the console (\(name), \(role.rawValue))")
    }
}

/// Forwards the server's actions to the run's console once it exists.
private final class ActionsBox: ConsoleActions {
    private let target = Mutex<RunConsole?>(nil)

    func set(_ console: RunConsole) { target.withLock { $0 = console } }

    func mark(_ mark: OperatorMark) async {
        await target.withLock { $0 }?.mark(mark)
    }

    func abort(by name: String, role: ConsoleRole) async {
        await target.withLock { $0 }?.abort(by: name, role: role)
    }
}
