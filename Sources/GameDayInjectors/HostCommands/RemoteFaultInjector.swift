import Foundation
import GameDayCore
import GameDayEngine
import GameDayFaults
import Logging

/// Everything a host-side fault will run on one target: the scripts, the lease, and the exact argument vectors.
public struct RemoteFaultPlan: Sendable, Equatable {
    public var target: String
    public var executor: ExecutorRef
    public var commands: RemoteFaultCommands
    public var lease: Lease?
    /// Installs the lease, then injects (run through the executor), bounded and locked on the host.
    public var applyArgv: [String]
    /// Reverts, then cancels the lease (only if the revert succeeded); nil when there is nothing to revert.
    public var revertArgv: [String]?

    /// The journaled recipe: the revert argv through the same executor, or `.nothing` with the reason.
    public func recipe(timeout: TimeSpan) -> RevertRecipe {
        guard let revertArgv else { return .nothing(reason: commands.nothingToRevertReason ?? "nothing to revert") }
        return .command(CommandRevert(executor: executor, argv: revertArgv, timeout: timeout))
    }

    /// The exact command lines an operator would type, for `gameday plan`.
    public var preview: CommandPreview {
        CommandPreview(target: target,
                       inject: [executor.wrap(ShellQuote.join(applyArgv))],
                       revert: revertArgv.map { [executor.wrap(ShellQuote.join($0))] } ?? [])
    }
}

/// Applies host-side faults — node loss, partition, packet loss, bandwidth, latency, DNS failure, zone loss and
/// stress — on targets reached over SSH (or locally, through a given local executor), each with a lease.
///
/// `prepare` touches nothing: it builds the scripts and the revert recipe, which the runner journals before it
/// calls `apply` (write-ahead). `apply` runs one command per host: the lease is installed first, then the fault;
/// if the fault fails, the same command reverts what was half-applied and then cancels the lease. Every command is
/// bounded on the host below `commandTimeout` and holds the fault's lock there (see `LeaseCommands`).
public struct RemoteFaultInjector: FaultInjector {
    public struct Configuration: Sendable, Equatable {
        public var leaseMode: LeaseMode
        public var firewall: FirewallBackend
        /// Deadline of each inject or revert command on a host.
        public var commandTimeout: TimeSpan

        public init(leaseMode: LeaseMode = .automatic, firewall: FirewallBackend = .automatic,
                    commandTimeout: TimeSpan = .seconds(30)) {
            self.leaseMode = leaseMode; self.firewall = firewall; self.commandTimeout = commandTimeout
        }
    }

    public let configuration: Configuration
    private let pool: SSHExecutorPool
    private let localExecutor: (any CommandExecutor)?
    private let logger: Logger

    /// - Parameter localExecutor: runs the scripts for targets with `access: local`; such targets are refused
    ///   when nil.
    public init(pool: SSHExecutorPool, localExecutor: (any CommandExecutor)? = nil,
                configuration: Configuration = Configuration(), logger: Logger = Logger(label: "gameday.hosts")) {
        self.pool = pool; self.localExecutor = localExecutor; self.configuration = configuration; self.logger = logger
    }

    /// Whether `fault` acts on hosts (its kind places it on targets), so that this injector can apply it.
    public static func handles(_ fault: Fault, registry: FaultRegistry = .standard) -> Bool {
        registry.kind(of: fault)?.placement.needsResolvedTargets ?? false
    }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        guard let target else {
            throw RemoteFaultError("step \(step.name): \(step.fault.kindName) acts on targets, but none was selected")
        }
        let plan = try Self.plan(step: step, target: target, runID: context.runID, leaseGrace: context.leaseGrace,
                                 configuration: configuration)
        return try await prepare(plan, step: step, target: target, context: context)
    }

    /// Prepares an already built plan (ActionInjector builds it from the step's `.host` action).
    func prepare(_ plan: RemoteFaultPlan, step: ScheduledStep, target: Target, context: InjectionContext) async throws -> PreparedFault {
        let executor: any CommandExecutor
        switch target.access {
        case .ssh: executor = try await pool.executor(for: target)
        case .local:
            guard let localExecutor else {
                throw RemoteFaultError("target \(target.name) has access: local, and no local executor is configured for \(step.fault.kindName)")
            }
            executor = localExecutor
        }
        let timeout = configuration.commandTimeout
        let applyArgv = plan.applyArgv
        let dryRun = context.dryRun
        let logger = logger
        let kind = step.fault.kindName
        return PreparedFault(target: target.name, description: plan.commands.summary, recipe: plan.recipe(timeout: timeout)) {
            if dryRun { return "dry run: would run \(ShellQuote.join(applyArgv)) via \(executor.label)" }
            let result = try await executor.run(applyArgv, timeout: timeout)
            guard result.succeeded else {
                let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                logger.warning("host-side inject failed", metadata: ["target": "\(target.name)", "exit": "\(result.exitCode)"])
                if result.exitCode == RemoteExitCode.netemMissing {
                    throw NetworkFaultError.netemMissing(host: target.name, detail: detail)
                }
                if result.exitCode == RemoteExitCode.timedOut || result.exitCode == RemoteExitCode.timedOutKilled {
                    throw RemoteFaultError("\(kind) on \(target.name) did not finish within \(HostBound(commandTimeout: timeout).seconds)s "
                        + "on the host and was stopped there (a tool on the host hung?); its lease stays armed until the revert. "
                        + (detail.isEmpty ? "" : "Output: \(detail)"))
                }
                if result.exitCode == RemoteExitCode.busy {
                    throw RemoteFaultError("\(kind) on \(target.name) could not start: another gameday command for the same fault "
                        + "still held its lock on the host (\(detail.isEmpty ? "no error output" : detail))")
                }
                throw RemoteFaultError("\(kind) on \(target.name) failed (exit \(result.exitCode)): \(detail.isEmpty ? "no error output" : detail)")
            }
            let detail = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return detail.replacingOccurrences(of: "\n", with: "; ")
        }
    }

    /// The plan for one step on one target. Pure: used by `prepare` and by `gameday plan`.
    public static func plan(step: ScheduledStep, target: Target, runID: String, leaseGrace: TimeSpan,
                            configuration: Configuration = Configuration(), registry: FaultRegistry = .standard) throws -> RemoteFaultPlan {
        let actionContext = ActionContext(step: step, target: target, runID: runID, leaseGrace: leaseGrace,
                                          firewall: configuration.firewall)
        let action: FaultAction
        do {
            action = try registry.action(for: step.fault, actionContext)
        } catch let error as FaultKindError {
            throw RemoteFaultError(error.description)
        }
        guard case .host(let commands) = action else {
            throw RemoteFaultError("\(step.fault.kindName) is not a host-side fault")
        }
        return plan(commands: commands, target: target, context: actionContext, configuration: configuration)
    }

    /// The plan that runs `commands` on `target` under the step's lease.
    public static func plan(commands: RemoteFaultCommands, target: Target, context: ActionContext,
                            configuration: Configuration = Configuration()) -> RemoteFaultPlan {
        let lease = Lease(name: context.leaseName, duration: context.duration, grace: context.leaseGrace, mode: configuration.leaseMode)
        let executor = ExecutorRef(target: target)
        let leased = commands.revert == nil ? nil : lease
        return RemoteFaultPlan(target: target.name, executor: executor, commands: commands, lease: leased,
                               applyArgv: LeaseCommands.apply(commands, lease: leased, timeout: configuration.commandTimeout),
                               revertArgv: LeaseCommands.revert(commands, lease: leased, timeout: configuration.commandTimeout))
    }

    /// What `gameday plan` shows for a step: per target, the exact inject and revert command lines (or the error
    /// that would stop the step).
    public static func preview(step: ScheduledStep, runID: String, leaseGrace: TimeSpan,
                               configuration: Configuration = Configuration()) -> [CommandPreview] {
        guard handles(step.fault) else { return [] }
        return step.targets.map { target in
            do {
                return try plan(step: step, target: target, runID: runID, leaseGrace: leaseGrace, configuration: configuration).preview
            } catch {
                return CommandPreview(target: target.name, inject: ["error: \(error)"], revert: [])
            }
        }
    }
}

/// A host-side fault that could not be prepared or applied.
public struct RemoteFaultError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
