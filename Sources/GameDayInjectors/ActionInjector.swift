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
        let actionContext = ActionContext(step: step, target: target, runID: context.runID, leaseGrace: context.leaseGrace,
                                          firewall: hosts?.configuration.firewall ?? .automatic)
        let action: FaultAction
        do {
            action = try registry.action(for: step.fault, actionContext)
        } catch let error as FaultKindError {
            throw InjectorError(error.description)
        }
        switch action {
        case .host(let scripts):
            guard let hosts else { throw InjectorError("\(step.fault.kindName) runs host scripts, but \(hostsUnavailable)") }
            let target = try actionContext.requireTarget(step.fault.kindName)
            let plan = RemoteFaultInjector.plan(commands: scripts, target: target, context: actionContext, configuration: hosts.configuration)
            return try await hosts.prepare(plan, step: step, target: target, context: context)
        case .signal(let signal):
            return try signals.prepare(signal, target: try actionContext.requireTarget(step.fault.kindName))
        case .command(let command):
            return commands.prepare(command, step: step, target: target, context: context)
        case .proxy(let change):
            return try proxies.prepare(change, step: step, context: context)
        }
    }
}
