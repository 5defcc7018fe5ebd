import GameDayCore
import GameDayEngine
import GameDayFaults

/// What one step does on one target (or the controller, or its proxy): the kind's action with everything the
/// injector derives from it — the host plan with its lease, or the exact argument vectors. `ActionInjector` runs this
/// value and `gameday plan` prints it, so the preview cannot drift from the run.
public struct ExecutionPlan: Sendable, Equatable {
    /// The target's name, `controller`, or the proxy's name.
    public var target: String
    public var executor: ExecutorRef
    public var action: FaultAction
    /// `.host`: the scripts, the lease and the exact argv run through the executor.
    public var host: RemoteFaultPlan?
    /// `.command` (and a local `.signal` on a systemd unit): the exact argv run, and its revert.
    public var injectArgv: [String]?
    public var revertArgv: [String]?
    /// When the lease fires, counted from the start of the run (`.host` with a revert).
    public var leaseFiresAt: TimeSpan?
    /// `.proxy`: the step's proxy, its API (as known before the run) and the toxic's name.
    public var proxy: ProxySpec?
    public var toxicName: String?

    /// The readable lines and the exact command lines of this plan.
    public var preview: CommandPreview {
        switch action {
        case .host(let commands):
            guard let host else { return CommandPreview(target: target, inject: [], revert: []) }
            var summary = [commands.summary] + commands.details
            var revertSummary: [String]
            if let lease = host.lease, let at = leaseFiresAt {
                let mode = switch lease.mode {
                case .automatic: "a systemd timer (a watchdog process where systemd is missing)"
                case .systemd: "a systemd timer"
                case .watchdog: "a watchdog process"
                }
                summary.append("lease \(lease.name): \(mode) on \(target) reverts by itself at T+\(at) (\(lease.seconds)s after the inject) unless cancelled")
                revertSummary = ["undo on \(target) (idempotent: the lease may have run it already), then cancel the lease"]
            } else {
                revertSummary = ["nothing: \(commands.nothingToRevertReason ?? "nothing to revert")"]
            }
            if case .ssh(let address, _) = host.executor { summary[0] += " (over ssh to \(address))" }
            return CommandPreview(target: target, inject: host.preview.inject, revert: host.preview.revert,
                                  summary: summary, revertSummary: revertSummary)
        case .command(let command):
            let inject = executor.wrap(ShellQuote.join(command.inject))
            guard let revert = command.revert else {
                return CommandPreview(target: target, inject: [executor.wrap(ShellQuote.join(injectArgv ?? command.inject))],
                                      revert: ["nothing (no revert command given)"], summary: [inject],
                                      revertSummary: ["nothing (no revert command given)"])
            }
            let bound = HostBound(commandTimeout: command.timeout)
            return CommandPreview(
                target: target,
                inject: [executor.wrap(ShellQuote.join(injectArgv ?? command.inject))],
                revert: [executor.wrap(ShellQuote.join(revertArgv ?? revert))],
                summary: [inject, "(under the fault's flock, shared with its revert; stopped there after \(bound.seconds)s by timeout -k \(bound.killAfter))"],
                revertSummary: [executor.wrap(ShellQuote.join(revert)), "(waits for the fault's flock: never overlaps a still-running inject)"])
        case .signal(let signal):
            let process = signal.process
            let which = process.systemdUnit.map { "systemd unit \($0)" }
                ?? process.pidFile.map { "the pid in \($0)" }
                ?? "processes matching \(process.pattern.map { ShellQuote.quote($0) } ?? "")"
            let inject = injectArgv.map { [ShellQuote.join($0)] } ?? ["kill -\(signal.signal) \(which) (pids read when the step starts)"]
            let revert = revertArgv.map { [ShellQuote.join($0)] }
                ?? [signal.revertSignal.map { "kill -\($0) the same pid(s), if they still exist" }
                    ?? "nothing: recovery is left to \(process.systemdUnit == nil ? "the supervisor" : "systemd") (measured)"]
            return CommandPreview(target: target, inject: inject, revert: revert,
                                  summary: ["SIG\(signal.signal) to \(which)"],
                                  revertSummary: [signal.revertSignal.map { "SIG\($0) to the same process(es)" }
                                      ?? "nothing: recovery is left to \(process.systemdUnit == nil ? "the supervisor" : "systemd") (measured)"])
        case .proxy(let change):
            let api = proxy?.api ?? "<in-process proxy API>"
            let name = proxy?.name ?? target
            guard case .addToxic(let type, let stream, let toxicity, let attributes) = change.change else {
                return CommandPreview(target: name, inject: ["POST \(api)/proxies/\(name) {\"enabled\":false}"],
                                      revert: ["POST \(api)/proxies/\(name) {\"enabled\":true}"],
                                      summary: ["disable proxy \(name)"], revertSummary: ["enable proxy \(name) again"])
            }
            let text = attributes.keys.sorted().map { "\($0)=\(attributes[$0]!.plainText)" }.joined(separator: " ")
            return CommandPreview(target: name,
                                  inject: ["POST \(api)/proxies/\(name)/toxics \(type) \(stream) toxicity=\(toxicity) \(text)"],
                                  revert: ["DELETE \(api)/proxies/\(name)/toxics/\(toxicName ?? "")"],
                                  summary: ["\(type) toxic on proxy \(name) (\(stream), toxicity \(toxicity)): \(text)"],
                                  revertSummary: ["delete the toxic \(toxicName ?? "")"])
        }
    }
}

/// Builds the `ExecutionPlan` of a step on a target: one place for `gameday plan`, `gameday run` and the tests.
public enum ExecutionPlanner {
    public static func plan(step: ScheduledStep, target: Target?, runID: String, leaseGrace: TimeSpan = .seconds(30),
                            configuration: RemoteFaultInjector.Configuration = .init(),
                            registry: FaultRegistry = .standard) throws -> ExecutionPlan {
        let context = ActionContext(step: step, target: target, runID: runID, leaseGrace: leaseGrace, firewall: configuration.firewall)
        let action = try registry.action(for: step.fault, context)
        var plan = ExecutionPlan(target: target?.name ?? "controller", executor: ExecutorRef(target: target), action: action)
        switch action {
        case .host(let commands):
            let target = try context.requireTarget(step.fault.kindName)
            let host = RemoteFaultInjector.plan(commands: commands, target: target, context: context, configuration: configuration)
            plan.host = host
            if let lease = host.lease { plan.leaseFiresAt = step.injectAt + .seconds(lease.seconds) }
        case .command(let command):
            let argv = CommandInjector.argv(for: command, lock: context.leaseName)
            plan.injectArgv = argv.inject
            plan.revertArgv = argv.revert
        case .signal(let signal):
            if let unit = signal.process.systemdUnit {
                let argv = LocalNodeLossInjector.systemdArgv(signal, unit: unit)
                plan.injectArgv = argv.inject
                plan.revertArgv = argv.revert
            }
        case .proxy:
            plan.target = step.proxy?.name ?? "proxy"
            plan.proxy = step.proxy
            plan.toxicName = ProxyInjector.toxicName(runID: runID, stepIndex: step.index)
        }
        return plan
    }

    /// Every target's preview of a step (an error line where the step would fail), for `gameday plan` and the
    /// journaled schedule.
    public static func previews(step: ScheduledStep, runID: String, leaseGrace: TimeSpan = .seconds(30),
                                registry: FaultRegistry = .standard) -> [CommandPreview] {
        let targets: [Target?] = step.targets.isEmpty ? [nil] : step.targets.map { Optional($0) }
        return targets.map { target in
            do {
                return try plan(step: step, target: target, runID: runID, leaseGrace: leaseGrace, registry: registry).preview
            } catch {
                return CommandPreview(target: target?.name ?? "controller", inject: ["error: \(error)"], revert: [],
                                      summary: ["error: \(error)"])
            }
        }
    }
}
