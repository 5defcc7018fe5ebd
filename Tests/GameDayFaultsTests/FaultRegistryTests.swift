import Foundation
import GameDayCore
import GameDayEngine
import GameDayFaults
import GameDayInjectors
import GameDayPlan
import GameDayProxy
import Testing

/// Every registered kind, checked through the whole path a plan takes: decode, validate, resolve, act, preview,
/// document, journal. A new kind file that forgets a part fails here.
@Suite struct FaultRegistryTests {
    static let registry = FaultRegistry.standard
    static let kindIDs = registry.kinds.map { $0.id }

    /// A plan whose only step uses `kind` with its documentation example.
    static func plan(for kind: any FaultKind.Type) -> String {
        var lines = [
            "version: 1",
            "name: registry-example",
            "environment: staging",
            "targets:",
            "  - { name: web-1, address: 10.0.0.1, tags: { role: web, zone: a }, process: { pidFile: /nonexistent/gameday-web-1.pid } }",
            "  - { name: web-2, address: 10.0.0.2, tags: { role: web, zone: b }, process: { pidFile: /nonexistent/gameday-web-2.pid } }",
            "proxies:",
            "  - { name: db, listen: \"127.0.0.1:16432\", upstream: \"127.0.0.1:5432\" }",
            "health:",
            "  - { name: ok, command: [\"true\"], interval: 1s }",
            "timeline: { baseline: 1s, recovery: 1s }",
            "steps:",
            "  - name: example",
            "    at: 0s",
            "    duration: 10s",
            "    fault: \(kind.planName)",
        ]
        switch kind.placement {
        case .targets, .controllerOrTargets, .choice: lines.append("    targets: [web-1]")
        case .proxy: lines.append("    proxy: db")
        case .taggedHosts: break
        }
        if !kind.documentation.example.isEmpty { lines.append("    with: \(kind.documentation.example)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The documentation example decodes into the kind, resolves to targets it can act on, gives an action on each
    /// (a host action also previews), and the step's fault round-trips through JSON with and without the registry.
    @Test(arguments: kindIDs)
    func kindWorksEndToEnd(id: String) throws {
        let kind = try #require(Self.registry.kind(id: id))
        let yaml = Self.plan(for: kind)
        let result = PlanLoader.load(data: Data(yaml.utf8), file: "\(id).yaml")
        #expect(result.errors.isEmpty, "\(id): \(result.errors.map(\.description))\n\(yaml)")
        let plan = try #require(result.plan)
        #expect(plan.steps[0].fault.kind == id)

        let schedule = try ScheduleResolver.resolve(plan: plan, seed: 7)
        let step = schedule.steps[0]
        let resolvedKind = try #require(Self.registry.kind(of: step.fault))
        if resolvedKind.placement.needsResolvedTargets { #expect(!step.targets.isEmpty) }
        for target in step.targets.isEmpty ? [nil] : step.targets.map(Optional.some) {
            let context = ActionContext(step: step, target: target, runID: "r")
            let action = try Self.registry.action(for: step.fault, context)
            if case .host(let commands) = action, let target {
                let preview = RemoteFaultInjector.plan(commands: commands, target: target, context: context).preview
                #expect(!preview.inject.isEmpty && !commands.summary.isEmpty)
            }
            if case .proxy(let change) = action, case .addToxic(let type, _, _, _) = change.change {
                #expect(ToxicRegistry.standard.typeNames.contains(type), "\(id): toxic \(type) is not one the proxy knows")
            }
        }

        for fault in [plan.steps[0].fault, step.fault] {
            let data = try JSONEncoder().encode(fault)
            let typed = try Self.registry.jsonDecoder().decode(Fault.self, from: data)
            #expect(typed == fault)
            #expect(!(typed.options is RawFaultOptions), "\(id): decoded with the registry, the options are typed")
            let raw = try JSONDecoder().decode(Fault.self, from: data)
            #expect(raw == fault, "\(id): without a registry the raw options still compare equal")
            #expect(raw.kindName == fault.kindName)
        }
    }

    /// Each kind documents itself: a summary, every `with:` key with its meaning, unique key names, and tool
    /// requirements that name a package.
    @Test(arguments: kindIDs)
    func kindDocumentsItself(id: String) throws {
        let kind = try #require(Self.registry.kind(id: id))
        #expect(!kind.documentation.summary.isEmpty)
        #expect(Set(kind.keyNames).count == kind.keys.count, "\(id): duplicate keys")
        for key in kind.keys { #expect(!key.doc.isEmpty, "\(id): key \(key.name) is undocumented") }
        #expect(FaultRegistry.canonical(kind.planName) == kind.planName)
    }

    /// A plan name resolves to the proxy kind with `proxy:` and to the host kind without (latency, bandwidth).
    @Test func proxyAndHostKindsShareNames() {
        #expect(Self.registry.kind(planName: "latency", viaProxy: true)?.id == ProxyLatency.id)
        #expect(Self.registry.kind(planName: "latency", viaProxy: false)?.id == HostLatency.id)
        #expect(Self.registry.kind(planName: "down", viaProxy: false)?.id == ProxyDown.id)
        #expect(Self.registry.kind(planName: "no-such-fault", viaProxy: false) == nil)
    }
}
