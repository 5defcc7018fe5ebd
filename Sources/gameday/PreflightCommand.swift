import ArgumentParser
import Foundation
import GameDayCore
import GameDayInjectors
import GameDayPreflight
import GameDayProbes
import Logging

struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Prove before the game day that every target can be broken and healed: reachability, tools, rights, leases, proxies, checks.",
        discussion: """
        Checks exactly the hosts `gameday run` would hit (targets are picked with the plan's seed, or --seed), in \
        parallel: ssh reachability and host key; the tools each step needs and the rights to use them (harmless probes \
        such as `nft list tables`; a qdisc is tried in a throwaway network namespace); where lease state would live and \
        that it is private; how a lease would be kept (systemd timer or watchdog); the clock offset; every proxy API; \
        every health check answered once; free space for the runs directory. Nothing is changed.

        --rehearse also applies a harmless marker fault per host (an empty nftables table, a marker file) with a short \
        lease, withholds the revert, and measures when the lease removes it: the dead man's switch, proven on that host.

        Exit codes: 0 ready, 1 not ready, 2 invalid plan.
        """
    )

    @Argument(help: "The plan file.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: "Seed for target picks and random faults (default: the plan's seed, else one derived from its name).")
    var seed: UInt64?

    @Option(help: "Directory the run would write its journal to (its free space is checked).")
    var runsDir: String = "runs"

    @Flag(help: "Also rehearse the revert: a marker fault per host with a short lease that must remove it.")
    var rehearse = false

    @Option(help: "Lease of a rehearsal marker, in seconds.")
    var leaseSeconds: Int64 = 5

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        let (plan, schedule) = try PlanCommand.resolve(file: file, seed: seed)
        let logger = Logger(label: "gameday.preflight")
        let pool = try? SSHExecutorPool(configuration: .init(retry: .none, connectTimeout: .seconds(5)), logger: logger)
        let preflight = PreflightWiring.make(pool: pool, logger: logger)
        let hosts = Preflight.hostWork(schedule: schedule)
        if !json {
            Console.err("gameday: preflight of \(plan.name): \(hosts.count) host(s), \(Set(schedule.steps.compactMap(\.proxy?.name)).count) proxy API(s), \(plan.health.count) check(s)\(rehearse ? ", rehearsing leases of \(leaseSeconds) s" : "")")
        }
        var report = await preflight.run(plan: plan, schedule: schedule, hosts: hosts, runsDirectory: runsDir)
        if rehearse {
            let rehearsal = LeaseRehearsalRunner(executorFor: preflight.executorFor, leaseSeconds: leaseSeconds, runID: "preflight-\(getpid())")
            let interrupted = SignalForwarder { name in Task { await rehearsal.interrupt(name) } }
            // A host that cannot be reached has nothing to rehearse on; it is reported already.
            let unreachable = Set(report.items.filter { $0.requirement == "reachable" && $0.status == .failed }.map(\.subject))
            report.rehearsals = await rehearsal.run(hosts: hosts.filter { !unreachable.contains($0.target.name) },
                                                    progress: { line in if !json { Console.err(line) } })
            interrupted.stop()
            if let signal = await rehearsal.interruptedBy {
                await pool?.close()
                Console.out(json ? report.json() : report.render())
                Console.err("gameday: preflight interrupted by \(signal): every marker was removed")
                throw ExitCode(ExitCodes.aborted)
            }
        }
        await pool?.close()
        Console.out(json ? report.json() : report.render())
        throw ExitCode(report.exitCode)
    }
}

/// The concrete parts a preflight uses: the run's executors (ssh pool or this machine), the proxy client with the
/// run's token policy, and the run's probe runner.
enum PreflightWiring {
    static func make(pool: SSHExecutorPool?, logger: Logger) -> Preflight {
        let token = ProcessInfo.processInfo.environment["GAMEDAY_PROXY_TOKEN"]
        return Preflight(
            executorFor: { target in
                switch target.access {
                case .local: return LocalExecutor()
                case .ssh(let access):
                    return PooledSSHExecutor(pool: pool, poolError: pool == nil ? "cannot create the ssh control directory" : nil,
                                             host: target.address ?? target.name, access: access)
                }
            },
            proxyCheck: { api, proxy in await ProxyAPIStatus.check(api: api, proxy: proxy, token: token) },
            healthOnce: Preflight.healthOnce(runner: ProbeRunner(logger: logger))
        )
    }
}
