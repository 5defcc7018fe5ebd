import ArgumentParser
import Foundation
import GameDayCore
import GameDayDemo
import Logging
import ServiceLifecycle

/// `gameday demo-fleet`: the demo fleet's processes (hidden; `gameday demo` and tests use it).
struct DemoFleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-fleet",
        abstract: "Run the demo fleet (balancer, supervised replicas, payments dependency) or one of its replicas.",
        shouldDisplay: false,
        subcommands: [Up.self, Replica.self]
    )

    /// `gameday demo-fleet up`: the whole fleet in the foreground until SIGINT/SIGTERM.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Run the demo fleet in the foreground; print one JSON line with its URLs, ports and pid files once ready.",
            discussion: """
            With --base-port N the balancer listens on N, replicas on N+1..N+R and the payments dependency on N+R+1; \
            with 0 (the default) free ports are picked. Stops cleanly on SIGINT or SIGTERM.
            """
        )

        @Option(name: .customLong("dir"), help: "Directory for pid files and replica logs (created if missing).")
        var directory: String

        @Option(name: .customLong("base-port"), help: "First port of the fleet, or 0 for free ports.")
        var basePort: Int = 0

        @Option(name: .customLong("dependency-url"), help: "URL replicas call for the dependency (e.g. a fault proxy in front of it).")
        var dependencyURL: String?

        @Option(name: .customLong("replicas"), help: "Number of replicas.")
        var replicaCount: Int = 3

        @Option(name: .customLong("restart-delay"), help: "Delay before a replica that exited is started again, e.g. 3s or 500ms.")
        var restartDelay: String = "3s"

        func validate() throws {
            guard let delay = TimeSpan(parsing: restartDelay), delay.milliseconds >= 0 else {
                throw ValidationError("--restart-delay '\(restartDelay)' is not a duration such as 3s or 500ms")
            }
        }

        func run() async throws {
            let logger = demoLogger(label: "gameday.demo-fleet")
            let delay = TimeSpan(parsing: restartDelay) ?? .seconds(3)
            let configuration = DemoFleetConfiguration(
                directory: directory, basePort: basePort, replicaCount: replicaCount,
                restartDelay: delay.duration, dependencyURL: dependencyURL)
            do {
                try configuration.validate()
            } catch {
                throw ValidationError("\(error)")
            }
            let service = DemoFleetService(
                executable: try DemoFleet.currentExecutablePath(), configuration: configuration, logger: logger
            ) { fleet in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let line = String(decoding: try encoder.encode(fleet.endpoints), as: UTF8.self)
                Console.out(line)
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    /// `gameday demo-fleet replica`: one replica of the checkout service (started by the supervisor).
    struct Replica: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replica",
            abstract: "Run one demo replica: GET /health, GET /checkout (calls the dependency's /pay when given)."
        )

        @Option(help: "Replica name, shown in responses and logs.")
        var name: String

        @Option(help: "Port on 127.0.0.1.")
        var port: Int

        @Option(name: .customLong("pid-file"), help: "Pid file written once listening, removed on a clean exit.")
        var pidFile: String

        @Option(help: "Dependency base URL; /checkout calls <URL>/pay.")
        var dependency: String?

        @Option(name: .customLong("parent-pid"), help: "Exit when the parent process is no longer this pid.")
        var parentPID: Int32?

        func validate() throws {
            guard (1...65535).contains(port) else {
                throw ValidationError("--port \(port) is not between 1 and 65535")
            }
            if let dependency {
                do { _ = try DemoEndpoint(url: dependency) } catch { throw ValidationError("--dependency: \(error)") }
            }
        }

        func run() async throws {
            let logger = demoLogger(label: "gameday.demo-replica.\(name)")
            let configuration = ReplicaConfiguration(
                name: name, port: port, pidFile: pidFile,
                dependency: try dependency.map { try DemoEndpoint(url: $0) }, parentPID: parentPID)
            try await DemoReplica.run(configuration: configuration, logger: logger)
        }
    }
}

/// A stderr logger made without touching the global logging bootstrap (which may be done only once per process).
private func demoLogger(label: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .info
    return logger
}
