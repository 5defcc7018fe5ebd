import ArgumentParser
import Foundation
import GameDayConsole
import GameDayCore
import GameDayJournal
import Logging

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the live game-day page for a run started elsewhere (e.g. by the scheduler), following its journal.",
        discussion: """
        Prints three links (facilitator, participant, observer) on stderr and serves until SIGINT or SIGTERM. The page \
        replays the run from its journal and follows it as it grows; it is read-only, since marks and abort belong to \
        the process that runs the game day (`gameday run PLAN --console HOST:PORT`).
        """
    )

    @Argument(help: "The run directory (holding journal.jsonl).", completion: .directory)
    var runDirectory: String

    @Option(name: .customLong("listen"), help: ArgumentHelp("Where to serve the page: HOST:PORT (port 0 picks a free one).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    func run() async throws {
        let journal = URL(fileURLWithPath: runDirectory).appendingPathComponent("journal.jsonl")
        guard FileManager.default.fileExists(atPath: journal.path) else {
            Console.err("gameday: error: \(journal.path) does not exist; pass a run directory (runs/<time>-<plan>/)")
            throw ExitCode(ExitCodes.invalid)
        }
        let server: ConsoleServer
        let address: HostPort
        do {
            server = ConsoleServer(configuration: try ConsoleConfiguration.parse(listen), actions: nil,
                                   logger: Logger(label: "gameday.console"))
            address = try await server.start()
        } catch {
            Console.err("gameday: error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
        await server.follow(journal: journal)
        Console.err("gameday: console for \(runDirectory) (read-only); Ctrl-C stops it")
        RunConsole.printLinks(server.links(for: address))
        let (stopped, continuation) = AsyncStream<String>.makeStream()
        let signals = SignalForwarder { name in continuation.yield(name) }
        var iterator = stopped.makeAsyncIterator()
        _ = await iterator.next()
        signals.stop()
        await server.stop()
    }
}
