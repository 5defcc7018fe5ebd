import ArgumentParser
import Foundation
import GameDayCore
import GameDayDemo
import GameDayProxy
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start a demo fleet on loopback, run scenarios/demo.yaml against it, print the postmortem's path.",
        discussion: """
        The fleet: three replicas of a small checkout service (each its own process, kept alive by a supervisor that \
        restarts a killed replica after 3 s), a payments dependency reached through a gameday fault proxy, and a \
        balancer that routes around unhealthy replicas and fails open when none is healthy. No root needed; about a \
        minute. The fleet is stopped at the end, whatever happens.
        """
    )

    @Option(name: .customLong("runs-dir"), help: "Where the run directory is created.")
    var runsDir = "runs"

    @Option(help: "The demo plan (default: scenarios/demo.yaml, looked up from the current directory and the executable's location).")
    var plan: String?

    @Option(help: "Seed for the demo's random choices.")
    var seed: UInt64?

    @Flag(name: .customLong("no-input"), help: "Do not read operator marks from standard input.")
    var noInput = false

    @Option(name: .customLong("console"), help: ArgumentHelp("Serve the live game-day page on HOST:PORT (e.g. 127.0.0.1:8080) and print its three links.", valueName: "host:port"))
    var console: String?

    func run() async throws {
        let logger = Logger(label: "gameday.demo")
        guard let planFile = plan ?? Self.findDemoPlan() else {
            throw ValidationError("cannot find scenarios/demo.yaml; run from the gameday checkout or pass --plan FILE")
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-demo-\(getpid())").path

        // The payments dependency sits behind a fault proxy the demo plan drives through its API.
        let proxyServer = FaultProxyServer(configuration: ProxyServerConfiguration(host: "127.0.0.1", port: 0, seed: seed ?? 7), logger: logger)
        let apiAddress = try await proxyServer.start()
        Console.err("gameday demo: starting the fleet (3 replicas, supervisor, balancer, payments behind a fault proxy)")
        let fleet: DemoFleet
        do {
            fleet = try await DemoFleet.start(executable: executable, configuration: DemoFleetConfiguration(directory: workDirectory),
                                              logger: logger) { dependencyURL in
                let upstream = dependencyURL.replacingOccurrences(of: "http://", with: "")
                let listen = try await proxyServer.createProxy(name: "payments", listen: "127.0.0.1:0", upstream: upstream)
                return "http://\(listen)"
            }
        } catch {
            await proxyServer.shutdown()
            throw ValidationError("the demo fleet did not start: \(error)")
        }
        var environment: [String: String] = [
            "GAMEDAY_DEMO_BALANCER": fleet.balancerURL,
            "GAMEDAY_DEMO_PROXY_API": "http://\(apiAddress)",
        ]
        for replica in fleet.replicas {
            let key = replica.name.uppercased()
            environment["GAMEDAY_DEMO_\(key)_PIDFILE"] = replica.pidFile
            environment["GAMEDAY_DEMO_\(key)_URL"] = "http://127.0.0.1:\(replica.port)"
        }
        for (key, value) in environment { setenv(key, value, 1) }
        Console.err("gameday demo: fleet ready: balancer \(fleet.balancerURL), replicas \(fleet.replicas.map { "\($0.name)=:\($0.port)" }.joined(separator: " "))")

        var options = RunSession.Options(planFile: planFile, seed: seed, runsDir: runsDir, dryRun: false,
                                         confirmProduction: false, interactive: !noInput && isatty(STDIN_FILENO) == 1,
                                         revertDeadline: .seconds(30), quiet: false)
        // Detection by alerts: a real Prometheus and Alertmanager watch the fleet when they are installed.
        var monitoring: DemoMonitoring?
        if DemoMonitoring.installed, let balancerPort = URL(string: fleet.balancerURL)?.port {
            do {
                let started = try await DemoMonitoring.start(directory: workDirectory + "/monitoring", replicas: fleet.replicas.map(\.port),
                                                             balancer: balancerPort, logger: logger)
                monitoring = started
                options.alerts = AlertsSpec(webhook: started.webhook, alertmanager: started.alertmanagerURL,
                                            matchers: [AlertMatcher(name: "severity", op: .matches, value: "page|ticket")])
                options.metricsListen = started.runMetrics
                Console.err("gameday demo: Prometheus \(started.prometheusURL) and Alertmanager \(started.alertmanagerURL) watch the fleet (ReplicaDown pages)")
            } catch {
                Console.err("gameday demo: skipping detection by alerts: Prometheus/Alertmanager did not start: \(error)")
            }
        } else {
            Console.err("gameday demo: skipping detection by alerts: prometheus and prometheus-alertmanager are not installed (`make deps` as root installs them)")
        }
        options.console = console
        let outcome: Result<RunSession.Result, any Error>
        do { outcome = .success(try await RunSession(options: options, logger: logger).execute()) } catch { outcome = .failure(error) }
        Console.err("gameday demo: stopping the fleet")
        let restarts = await fleet.restartCounts()
        await monitoring?.stop()
        await fleet.stop()
        await proxyServer.shutdown()
        try? FileManager.default.removeItem(atPath: workDirectory)
        switch outcome {
        case .failure(let error): throw error
        case .success(let result):
            Console.err("gameday demo: supervisor restarts: \(restarts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
            Console.err("gameday demo: verdict \(result.verdict)")
            Console.out(result.runDirectory.postmortemURL.path)
        }
    }

    static func findDemoPlan() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var url = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 { candidates.append(url.path); url = url.deletingLastPathComponent() }
        for directory in candidates {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("scenarios/demo.yaml").path
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }
}
