import ArgumentParser
import Foundation
import GameDayProxy
import Logging
import ServiceLifecycle

/// `gameday proxy`: the sidecar fault proxy daemon with its Toxiproxy-compatible API.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the sidecar TCP fault proxy (Toxiproxy-compatible API, plus http_error and slow_open).",
        discussion: """
            Toxiproxy clients work unchanged against it: point them at the API address. The API binds loopback \
            by default; binding another address requires --token (or GAMEDAY_PROXY_TOKEN), and every request must \
            then carry 'Authorization: Bearer <token>'. Prometheus counters are at GET /metrics.
            """
    )

    @Option(help: "API host (loopback by default).")
    var host = "127.0.0.1"

    @Option(help: "API port (0 picks a free one; the address is printed on start).")
    var port = 8474

    @Option(help: "A Toxiproxy config file (JSON array of {name, listen, upstream}) to populate at start.")
    var config: String?

    @Option(help: "Seed for toxicity and jitter, so faults repeat exactly (random and logged if absent).")
    var seed: UInt64?

    @Option(help: "Bearer token required on every API request (default: $GAMEDAY_PROXY_TOKEN).")
    var token: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let token = self.token ?? ProcessInfo.processInfo.environment["GAMEDAY_PROXY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        var logger = Logger(label: "gameday.proxy") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let configuration = ProxyServerConfiguration(host: host, port: port, token: token, seed: seed, configFile: config)
        guard configuration.bindsLoopback || token != nil else {
            throw ProxyCommandError(description: ProxyServerError.tokenRequired(host: host).description)
        }
        Self.raiseFileLimit(logger: logger)
        let server = FaultProxyServer(configuration: configuration, logger: logger)
        // Start before handing over to the service group so a bad port or config fails the command with a message.
        let address: String
        do {
            address = try await server.start()
        } catch let error as ProxyServerError {
            throw ProxyCommandError(description: error.description)
        }
        FileHandle.standardOutput.write(Data("gameday proxy: API listening on http://\(address) (seed \(server.seed))\n".utf8))
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Each proxied connection holds two descriptors: lift the soft limit to the hard one.
    private static func raiseFileLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            logger.debug("could not raise the open-file limit")
        }
    }
}

/// A start-up failure of `gameday proxy`, printed as `Error: <what went wrong and what to do>` (exit 1).
struct ProxyCommandError: Error, CustomStringConvertible {
    var description: String
}
