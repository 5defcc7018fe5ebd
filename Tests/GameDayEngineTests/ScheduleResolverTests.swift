import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayEngine

func fleet(_ count: Int) -> [Target] {
    (1...count).map { Target(name: "web-\($0)", address: "10.0.0.\($0)", tags: ["role": "web", "zone": $0 % 2 == 0 ? "b" : "a"],
                             process: ProcessSelector(pidFile: "/run/web-\($0).pid")) }
}

func plan(steps: [Step], targets: [Target] = fleet(6), proxies: [ProxySpec] = []) -> Plan {
    Plan(name: "p", targets: targets, proxies: proxies, timeline: Timeline(baseline: .seconds(10), recovery: .seconds(5)), steps: steps)
}

struct ScheduleResolverTests {
    /// The same plan and seed always give the same schedule (invariant 3).
    @Test func sameSeedSameSchedule() throws {
        let p = plan(steps: [Step(name: "a", at: .zero, duration: .seconds(5), fault: .nodeLoss(NodeLossFault()),
                                  targets: Selector(tags: ["role": "web"], pick: .count(2)))])
        let first = try ScheduleResolver.resolve(plan: p, seed: 42)
        for _ in 0..<20 { #expect(try ScheduleResolver.resolve(plan: p, seed: 42) == first) }
    }

    /// Different seeds pick different targets (over a handful of seeds at least two distinct picks appear).
    @Test func seedChangesPicks() throws {
        let p = plan(steps: [Step(name: "a", at: .zero, duration: .seconds(5), fault: .nodeLoss(NodeLossFault()),
                                  targets: Selector(tags: ["role": "web"], pick: .count(1)))])
        let picks = Set(try (0..<20).map { try ScheduleResolver.resolve(plan: p, seed: UInt64($0)).steps[0].targets[0].name })
        #expect(picks.count >= 3)
    }

    /// Adding a step does not change the picks of the existing ones (each step has its own random stream).
    @Test func stepsHaveIndependentStreams() throws {
        let a = Step(name: "a", at: .zero, duration: .seconds(5), fault: .nodeLoss(NodeLossFault()), targets: Selector(tags: ["role": "web"], pick: .count(2)))
        let b = Step(name: "b", at: .seconds(10), duration: .seconds(5), fault: .nodeLoss(NodeLossFault()), targets: Selector(tags: ["role": "web"], pick: .count(1)))
        let one = try ScheduleResolver.resolve(plan: plan(steps: [a]), seed: 9)
        let two = try ScheduleResolver.resolve(plan: plan(steps: [b, a]), seed: 9)
        #expect(one.steps[0].targets == two.steps[1].targets)
    }

    /// Offsets: inject at baseline + at, revert at inject + duration; actions sorted with reverts first at ties.
    @Test func offsetsAndActionOrder() throws {
        let s = try ScheduleResolver.resolve(plan: plan(steps: [
            Step(name: "a", at: .zero, duration: .seconds(5), fault: .command(CommandFault(inject: ["true"]))),
            Step(name: "b", at: .seconds(5), duration: .seconds(5), fault: .command(CommandFault(inject: ["true"]))),
        ]), seed: 1)
        #expect(s.steps[0].injectAt == .seconds(10))
        #expect(s.steps[0].revertAt == .seconds(15))
        #expect(s.chaosEnd == .seconds(20))
        #expect(s.totalDuration == .seconds(25))
        #expect(s.actions.map { "\($0.kind.rawValue)\($0.stepIndex)@\($0.at.milliseconds)" } ==
                ["inject0@10000", "revert0@15000", "inject1@15000", "revert1@20000"])
    }

    /// A random step resolves to one of its choices, the same one for the same seed, and records what it chose from.
    @Test func randomStepPicksAChoice() throws {
        let random = RandomFault(choices: [RandomFault.Choice(fault: .nodeLoss(NodeLossFault(signal: .STOP))),
                                           RandomFault.Choice(fault: .command(CommandFault(inject: ["true"])))])
        let p = plan(steps: [Step(name: "r", at: .zero, duration: .seconds(5), fault: .random(random), targets: Selector(tags: ["role": "web"], pick: .count(1)))])
        var kinds = Set<String>()
        for seed in 0..<30 {
            let s = try ScheduleResolver.resolve(plan: p, seed: UInt64(seed))
            #expect(s.steps[0].randomFrom == ["node-loss", "command"])
            #expect(s.steps[0].fault != .random(random))
            kinds.insert(s.steps[0].fault.kindName)
            #expect(try ScheduleResolver.resolve(plan: p, seed: UInt64(seed)) == s)
        }
        #expect(kinds == ["node-loss", "command"])
    }

    /// Percent picks round up and never exceed the group; zone-loss takes every host of the zone.
    @Test func percentAndZoneLoss() throws {
        let p = plan(steps: [
            Step(name: "pct", at: .zero, duration: .seconds(5), fault: .nodeLoss(NodeLossFault()), targets: Selector(tags: ["role": "web"], pick: .percent(34))),
            Step(name: "zone", at: .seconds(10), duration: .seconds(5), fault: .zoneLoss(ZoneLossFault(value: "b"))),
        ])
        let s = try ScheduleResolver.resolve(plan: p, seed: 3)
        #expect(s.steps[0].targets.count == 3)  // ceil(6 * 0.34)
        #expect(s.steps[1].targets.map(\.name) == ["web-2", "web-4", "web-6"])
    }

    /// A partition's peers selector becomes the peers' addresses, never including the partitioned host itself.
    @Test func partitionPeersResolveToAddresses() throws {
        let fault = Partition.Options(peers: Selector(tags: ["zone": "a"]))
        let p = plan(steps: [Step(name: "cut", at: .zero, duration: .seconds(5), fault: Partition.fault(fault), targets: Selector(tags: ["zone": "b"], pick: .all, maxPercent: 100))])
        let s = try ScheduleResolver.resolve(plan: p, seed: 1)
        guard let resolved = s.steps[0].fault.options(as: Partition.Options.self) else { Issue.record("not a network fault"); return }
        #expect(resolved.cidrs == ["10.0.0.1", "10.0.0.3", "10.0.0.5"])
    }
}
