import GameDayCore
import Testing
@testable import GameDayConsole

struct TerminalStatusTests {
    private static let web2 = Target(name: "web-2", address: "127.0.0.1", process: ProcessSelector(pidFile: "/tmp/demo/web-2.pid"))
    private static let step = ScheduledStep(index: 0, name: "freeze-web-2", fault: Fault(kind: "nodeLoss", kindName: "node-loss", options: RawFaultOptions(json: .object([:]))),
                                            randomFrom: nil, targets: [web2], injectAt: .seconds(10), revertAt: .seconds(40))

    private static func fed(blind: Bool, _ bodies: [EventBody]) -> TerminalStatus {
        var status = TerminalStatus(blind: blind)
        let start = RunStart(runID: "r", planName: "checkout", planFile: "p.yaml", description: nil, environment: .staging,
                             runbook: nil, risk: nil, dryRun: false,
                             checks: [HealthCheckSpec(name: "storefront", kind: .tcp(host: "127.0.0.1", port: 1)),
                                      HealthCheckSpec(name: "web-2", kind: .tcp(host: "127.0.0.1", port: 2))],
                             hypothesis: [], guardrails: [],
                             schedule: Schedule(planName: "checkout", seed: 1, baseline: .seconds(10), recovery: .seconds(15), steps: [step]),
                             version: "0.1.0")
        let opening: [EventBody] = [.runStart(start), .phase(PhaseChange(phase: .baseline))]
        for body in opening + bodies { status.apply(body) }
        return status
    }

    private static let chaos: [EventBody] = [
        .health(HealthTransition(check: "storefront", from: .unknown, to: .healthy)),
        .phase(PhaseChange(phase: .chaos)),
        .injectBegin(InjectBegin(faultID: "0.web-2", step: "freeze-web-2", stepIndex: 0, fault: "node-loss", target: "web-2",
                                 description: "SIGSTOP to web-2", recipe: .nothing(reason: "test"))),
        .injectEnd(FaultOutcome(faultID: "0.web-2", ok: true)),
        .health(HealthTransition(check: "web-2", from: .unknown, to: .unhealthy)),
    ]

    /// During chaos: phase, clock and countdowns, the applied fault with its time left, one lamp per check.
    @Test func chaosBlock() {
        let lines = Self.fed(blind: false, Self.chaos).lines(now: 12_300, width: 120, color: false)
        #expect(lines.count == TerminalStatus.height)
        #expect(lines[0] == "gameday checkout  chaos  T+00:12  chaos ends in 28s  run ends in 43s")
        #expect(lines[1] == "fault freeze-web-2: node-loss on web-2  28s left")
        #expect(lines[2] == "" && lines[3] == "")
        #expect(lines[4] == "● storefront  ✖ web-2")
    }

    /// A blind drill's block never names the plan, step, fault or target; it still shows health and the clock.
    @Test func blindHidesTheFault() {
        let lines = Self.fed(blind: true, Self.chaos).lines(now: 12_300, width: 120, color: true)
        let text = lines.joined(separator: "\n")
        for secret in ["checkout", "freeze-web-2", "node-loss", "SIGSTOP"] { #expect(!text.contains(secret), "'\(secret)' leaked") }
        #expect(lines[1] == "faults: hidden (blind drill)")
        #expect(text.contains("web-2"), "check names are health, which participants see")
        #expect(text.contains("\u{1B}[31m✖\u{1B}[0m web-2"))
    }

    /// A reverted fault leaves the block; the end is shown; lines never exceed the width.
    @Test func revertAndEnd() {
        var status = Self.fed(blind: false, Self.chaos + [.revertEnd(FaultOutcome(faultID: "0.web-2", ok: true))])
        #expect(status.lines(now: 41_000, width: 120, color: false)[1] == "faults: none active")
        status.apply(.runEnd(RunEnd(status: .completed)))
        let lines = status.lines(now: 56_000, width: 30, color: false)
        #expect(lines[0].hasPrefix("gameday checkout  ended: comp"))
        #expect(lines.allSatisfy { $0.count <= 30 })
    }

    /// Before inject.end the fault is "applying…"; more faults than lines are summed up.
    @Test func applyingAndMany() {
        var bodies = Array(Self.chaos.prefix(3))
        for i in 1...4 {
            bodies.append(.injectBegin(InjectBegin(faultID: "0.web-\(i)x", step: "s\(i)", stepIndex: 0, fault: "latency", target: "t\(i)",
                                                   description: "", recipe: .nothing(reason: "test"))))
        }
        let lines = Self.fed(blind: false, bodies).lines(now: 11_000, width: 120, color: false)
        #expect(lines[1].hasSuffix("applying…"))
        #expect(lines[3] == "+3 more faults active")
        #expect(TerminalStatus.duration(65_000) == "1m05s")
    }
}
