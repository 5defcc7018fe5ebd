import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import Logging

/// Hands out the executor for each place commands run: this machine, or a host over (multiplexed) SSH.
final class ExecutorCatalog: Sendable {
    let pool: SSHExecutorPool?
    let poolError: String?

    init(runID: String, logger: Logger) {
        do {
            pool = try SSHExecutorPool(logger: logger)
            poolError = nil
        } catch {
            pool = nil
            poolError = "\(error)"
        }
    }

    var provider: CommandInjector.ExecutorProvider {
        { [pool, poolError] ref in
            switch ref {
            case .local: return LocalExecutor()
            case .ssh(let host, let access): return PooledSSHExecutor(pool: pool, poolError: poolError, host: host, access: access)
            }
        }
    }

    func close() async { await pool?.close() }
}

/// An SSH executor taken from the run's pool on first use (one multiplexed connection per host per run).
struct PooledSSHExecutor: CommandExecutor {
    let pool: SSHExecutorPool?
    let poolError: String?
    let host: String
    let access: SSHAccess

    var label: String { "ssh \(host)" }

    func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult {
        guard let pool else { throw CommandExecutorError("ssh is unavailable: \(poolError ?? "no pool")") }
        return try await pool.executor(host: host, access: access).run(argv, timeout: timeout)
    }
}

/// Which injector applies which fault, by fault kind and target access.
struct InjectorCatalog: Sendable {
    let executors: ExecutorCatalog
    let logger: Logger
    /// The run's in-process proxies and their tokens (empty for `gameday recover`: those proxies died with their run).
    var inProcessProxies = InProcessProxyRegistry()

    var proxyReverter: (any FaultReverter)? { ProxyReverter(inProcess: inProcessProxies) }

    /// Reverts host-side commands over SSH with a short retry of its own (the runner's backoff wraps it).
    var remoteReverter: (any FaultReverter)? { executors.pool.map { RemoteReverter(pool: $0, deadline: .seconds(20)) } }

    /// One injector for every fault: the kind gives the action, the mechanism decides who carries it out.
    var lookup: InjectorLookup {
        let injector = ActionInjector(
            hosts: executors.pool.map { RemoteFaultInjector(pool: $0, localExecutor: LocalExecutor(), logger: logger) },
            hostsUnavailable: "ssh is unavailable: \(executors.poolError ?? "no pool")",
            commands: CommandInjector(executors: executors.provider), proxies: ProxyInjector(inProcess: inProcessProxies))
        return { _, _ in injector }
    }
}
