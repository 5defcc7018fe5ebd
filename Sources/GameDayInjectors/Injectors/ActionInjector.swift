import GameDayCore
import GameDayEngine
import GameDayFaults

/// The one injector the runner uses: asks the step's fault kind for its action on the target (the same value
/// `gameday plan` prints) and hands it to the part that carries out that mechanism — host scripts under a lease,
/// local signals, a command, or a proxy change. It knows mechanisms, never kinds.
public struct ActionInjector: FaultInjector {
    private let registry: FaultRegistry
    private let hosts: RemoteFaultInjector?
    private let hostsUnavailable: String
    private let signals: LocalNodeLossInjector
    private let commands: CommandInjector
    private let proxies: ProxyInjector

    /// - Parameters:
    ///   - hosts: runs host scripts (nil when SSH is unavailable; `hostsUnavailable` says why).
    public init(registry: FaultRegistry = .standard, hosts: RemoteFaultInjector?, hostsUnavailable: String = "ssh is unavailable",
                signals: LocalNodeLossInjector = LocalNodeLossInjector(), commands: CommandInjector, proxies: ProxyInjector) {
        self.registry = registry; self.hosts = hosts; self.hostsUnavailable = hostsUnavailable; self.signals = signals
        self.commands = commands; self.proxies = proxies
    }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        let plan: ExecutionPlan
        do {
            plan = try ExecutionPlanner.plan(step: step, target: target, runID: context.runID, leaseGrace: context.leaseGrace,
                                             configuration: hosts?.configuration ?? .init(), registry: registry)
        } catch let error as FaultKindError {
            throw InjectorError(error.description)
        }
        switch plan.action {
        case .host:
            guard let hosts else { throw InjectorError("\(step.fault.kindName) runs host scripts, but \(hostsUnavailable)") }
            guard let host = plan.host, let target else { throw InjectorError("\(step.fault.kindName) acts on targets, but none was selected") }
            return try await hosts.prepare(host, step: step, target: target, context: context)
        case .signal(let signal):
            guard let target else { throw InjectorError("\(step.fault.kindName) acts on targets, but none was selected") }
            return try signals.prepare(signal, target: target)
        case .command(let command):
            return commands.prepare(command, step: step, target: target, context: context)
        case .proxy(let change):
            return try proxies.prepare(change, step: step, context: context)
        }
    }
}

extension FaultRegistry {
    /// The step's action on `target` for an injector called directly (not through ActionInjector); a kind's error
    /// becomes the injector's own error type through `error`.
    func action(step: ScheduledStep, target: Target?, runID: String, error: (String) -> any Error) throws -> FaultAction {
        do {
            return try action(for: step.fault, ActionContext(step: step, target: target, runID: runID))
        } catch let kindError as FaultKindError {
            throw error(kindError.description)
        }
    }
}
