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
            by default and then needs no token (as Toxiproxy); binding another address requires a token \
            (--token-env VAR, or GAMEDAY_PROXY_TOKEN), and every request must then carry \
            'Authorization: Bearer <token>'. Proxies created through the API listen on loopback only unless \
            --allow-remote-listen is given. Prometheus counters are at GET /metrics.
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

    @Option(help: "Bearer token required on every API request (visible in the process list: prefer --token-env).")
    var token: String?

    @Option(help: ArgumentHelp("Name of an environment variable holding the bearer token (default: GAMEDAY_PROXY_TOKEN).",
                               valueName: "VAR"))
    var tokenEnv: String?

    @Flag(help: "Let API requests create proxies that listen on non-loopback addresses (0.0.0.0, a LAN address).")
    var allowRemoteListen = false

    @Option(help: "Most proxies the daemon holds (409 beyond).")
    var maxProxies = ProxyLimits().maxProxies

    @Option(help: "Most toxics on one proxy (409 beyond).")
    var maxToxics = ProxyLimits().maxToxicsPerProxy

    @Option(help: "Most client connections open at once through one proxy (new ones are closed and counted beyond).")
    var maxConnections = ProxyLimits().maxConnectionsPerProxy

    @Option(help: "Largest API request body in bytes (413 beyond).")
    var maxBodyBytes = ProxyLimits().maxBodyBytes

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        for (name, value) in [("--max-proxies", maxProxies), ("--max-toxics", maxToxics), ("--max-connections", maxConnections),
                              ("--max-body-bytes", maxBodyBytes)] where value < 1 {
            throw ValidationError("\(name) must be at least 1")
        }
        if token != nil && tokenEnv != nil { throw ValidationError("give --token or --token-env, not both") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let token = try resolveToken()
        var logger = Logger(label: "gameday.proxy") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let limits = ProxyLimits(maxProxies: maxProxies, maxToxicsPerProxy: maxToxics, maxBodyBytes: maxBodyBytes,
                                 maxConnectionsPerProxy: maxConnections)
        let configuration = ProxyServerConfiguration(host: host, port: port, token: token, seed: seed, configFile: config,
                                                     allowRemoteListen: allowRemoteListen, limits: limits)
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
        Console.out("gameday proxy: API listening on http://\(address) (seed \(server.seed))")
        let group = ServiceGroup(
            configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// `--token`, else the variable `--token-env` names (which must be set and non-empty), else
    /// `GAMEDAY_PROXY_TOKEN` if set; nil means no token (allowed on loopback only).
    private func resolveToken() throws -> String? {
        if let token {
            guard !token.isEmpty else { throw ProxyCommandError(description: "--token is empty; give a token or leave the option out") }
            return token
        }
        let environment = ProcessInfo.processInfo.environment
        if let tokenEnv {
            guard let value = environment[tokenEnv], !value.isEmpty else {
                throw ProxyCommandError(description: "--token-env \(tokenEnv): the environment variable \(tokenEnv) is not set or empty; export the token in it")
            }
            return value
        }
        return environment["GAMEDAY_PROXY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
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
