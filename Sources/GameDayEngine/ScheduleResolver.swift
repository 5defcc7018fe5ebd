import GameDayCore
import GameDayFaults

/// Why a plan could not be turned into a schedule.
public struct ScheduleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Turns a plan into the exact schedule a run will execute (pure and deterministic: invariant 3).
///
/// Every step gets its own random stream derived from the seed and the step's name, so editing one step never
/// changes the picks of another. Each fault kind picks its targets and fills its resolved options (the registry).
public enum ScheduleResolver {
    public static func resolve(plan: Plan, seed: UInt64, faults: FaultRegistry = .standard) throws -> Schedule {
        var steps: [ScheduledStep] = []
        let inventory = plan.targets.sorted { $0.name < $1.name }
        for (index, step) in plan.steps.enumerated() {
            var generator = SeededGenerator(seed: seed, stream: "step:\(step.name)")
            let context = ResolveContext(step: step.name, selector: step.targets, inventory: inventory, registry: faults)
            let resolved: ResolvedFault
            do {
                resolved = try faults.resolve(step.fault, context, &generator)
            } catch let error as FaultKindError {
                throw ScheduleError("step '\(step.name)': \(error)")
            }
            if faults.kind(of: resolved.fault)?.placement.needsResolvedTargets == true && resolved.targets.isEmpty {
                throw ScheduleError("step '\(step.name)' selects no targets")
            }
            var proxy: ProxySpec?
            if let name = step.proxy {
                guard let spec = plan.proxies.first(where: { $0.name == name }) else {
                    throw ScheduleError("step '\(step.name)' uses undefined proxy '\(name)'")
                }
                proxy = spec
            }
            let injectAt = plan.timeline.baseline + step.at
            steps.append(ScheduledStep(index: index, name: step.name, fault: resolved.fault, randomFrom: resolved.randomFrom,
                                       targets: resolved.targets, proxy: proxy, injectAt: injectAt, revertAt: injectAt + step.duration))
        }
        return Schedule(planName: plan.name, seed: seed, baseline: plan.timeline.baseline,
                        recovery: plan.timeline.recovery, steps: steps)
    }
}
