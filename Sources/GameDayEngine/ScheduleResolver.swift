import GameDayCore

/// Why a plan could not be turned into a schedule.
public struct ScheduleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Turns a plan into the exact schedule a run will execute (pure and deterministic: invariant 3).
///
/// Every step gets its own random stream derived from the seed and the step's name, so editing one step never
/// changes the picks of another.
public enum ScheduleResolver {
    public static func resolve(plan: Plan, seed: UInt64) throws -> Schedule {
        var steps: [ScheduledStep] = []
        let inventory = plan.targets.sorted { $0.name < $1.name }
        for (index, step) in plan.steps.enumerated() {
            var generator = SeededGenerator(seed: seed, stream: "step:\(step.name)")
            var fault = step.fault
            var randomFrom: [String]?
            if case .random(let random) = step.fault {
                fault = random.pick(using: &generator)
                randomFrom = random.choices.map { $0.fault.kindName }
            }
            var targets: [Target] = []
            switch fault {
            case .zoneLoss(let zone):
                targets = inventory.filter { $0.tags[zone.tag] == zone.value }
                if let selector = step.targets { targets = targets.filter(selector.matches) }
            default:
                if let selector = step.targets {
                    let group = inventory.filter(selector.matches)
                    let count = selector.pickCount(groupSize: group.count)
                    targets = Array(group.deterministicShuffle(using: &generator).prefix(count)).sorted { $0.name < $1.name }
                }
            }
            if case .network(var network) = fault, let peers = network.peers {
                let chosen = Set(targets.map(\.name))
                let addresses = inventory.filter { peers.matches($0) && !chosen.contains($0.name) }.compactMap(\.address)
                network.cidrs = Array(Set(network.cidrs + addresses)).sorted()
                fault = .network(network)
            }
            let needsTargets: Bool
            switch fault {
            case .nodeLoss, .network, .stress, .zoneLoss: needsTargets = true
            default: needsTargets = false
            }
            if needsTargets && targets.isEmpty {
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
            steps.append(ScheduledStep(index: index, name: step.name, fault: fault, randomFrom: randomFrom, targets: targets,
                                       proxy: proxy, injectAt: injectAt, revertAt: injectAt + step.duration))
        }
        return Schedule(planName: plan.name, seed: seed, baseline: plan.timeline.baseline,
                        recovery: plan.timeline.recovery, steps: steps)
    }
}
