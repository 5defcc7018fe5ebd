import GameDayCore

/// Builds a journal for tests: events are added at run offsets in any order, then numbered in time order.
struct RunScript {
    /// 2026-11-24 01:37:26.000 UTC.
    static let baseWall: Int64 = 1_795_484_246_000

    private var entries: [(t: Int64, body: EventBody)] = []

    init() {}

    mutating func add(_ t: Int64, _ body: EventBody) { entries.append((t, body)) }

    /// One probe of `check` every `every` ms in `[from, to)`; `fails` decides which fail, `ms` their latency.
    mutating func probes(_ check: String, from: Int64, to: Int64, every: Int64 = 1000, offset: Int64 = 0,
                         fails: (Int64) -> Bool = { _ in false }, ms: (Int64) -> Double = { 10 + Double($0 % 7000) / 1000 }) {
        var t = from + offset
        while t < to {
            if fails(t) {
                add(t, .probe(ProbeSample(check: check, ok: false, ms: nil, error: "connection refused")))
            } else {
                add(t, .probe(ProbeSample(check: check, ok: true, ms: ms(t), status: 200)))
            }
            t += every
        }
    }

    /// The journal: stable-sorted by `t`, numbered from 1, wall clock = base + t.
    var events: [JournalEvent] {
        entries.enumerated()
            .sorted { $0.element.t != $1.element.t ? $0.element.t < $1.element.t : $0.offset < $1.offset }
            .enumerated()
            .map { i, entry in
                JournalEvent(seq: i + 1, t: entry.element.t, wall: Self.baseWall + entry.element.t, body: entry.element.body)
            }
    }
}

/// Plans and building blocks shared by the report tests.
enum Fixture {
    static let web1 = Target(name: "web-1", address: "127.0.0.1", tags: ["role": "web"], process: ProcessSelector(pidFile: "/tmp/demo/web-1.pid"))
    static let web2 = Target(name: "web-2", address: "127.0.0.1", tags: ["role": "web"], process: ProcessSelector(pidFile: "/tmp/demo/web-2.pid"))
    static let web3 = Target(name: "web-3", address: "127.0.0.1", tags: ["role": "web"], process: ProcessSelector(pidFile: "/tmp/demo/web-3.pid"))

    static let checks = [
        HealthCheckSpec(name: "storefront", kind: .http(HTTPCheck(url: "http://127.0.0.1:18080/health", bodyContains: "ok"))),
        HealthCheckSpec(name: "web-2", kind: .tcp(host: "127.0.0.1", port: 18082)),
    ]

    static let hypothesis = [HypothesisSpec(check: "storefront", availability: 99, latencyP99: .milliseconds(300))]

    static func runStart(name: String, steps: [ScheduledStep], checks: [HealthCheckSpec] = checks,
                         hypothesis: [HypothesisSpec] = hypothesis,
                         guardrails: [GuardrailSpec] = [GuardrailSpec(check: "storefront", condition: .unhealthyFor(.seconds(10)))],
                         runbook: String? = "../runbooks/replica-loss.md", risk: String? = "R-012",
                         recovery: TimeSpan = .seconds(15), dryRun: Bool = false, seed: UInt64 = 42) -> EventBody {
        .runStart(RunStart(
            runID: "20261124-013726-\(name)", planName: name, planFile: "scenarios/\(name).yaml",
            description: "Game day \(name) against the demo fleet.", environment: .staging, runbook: runbook, risk: risk,
            dryRun: dryRun, checks: checks, hypothesis: hypothesis, guardrails: guardrails,
            schedule: Schedule(planName: name, seed: seed, baseline: .seconds(10), recovery: recovery, steps: steps),
            version: "0.1.0"))
    }

    static func step(_ index: Int, _ name: String, _ fault: Fault, targets: [Target], at: Int64, until: Int64,
                     randomFrom: [String]? = nil) -> ScheduledStep {
        ScheduledStep(index: index, name: name, fault: fault, randomFrom: randomFrom, targets: targets,
                      injectAt: .milliseconds(at), revertAt: .milliseconds(until))
    }

    static func begin(_ step: ScheduledStep, target: String, recipe: RevertRecipe, description: String) -> EventBody {
        .injectBegin(InjectBegin(faultID: "\(step.index).\(target)", step: step.name, stepIndex: step.index,
                                 fault: step.fault.kindName, target: target, description: description, recipe: recipe))
    }

    static func stopRecipe(pid: Int32) -> RevertRecipe {
        .signal(SignalRevert(processes: [ProcessRef(pid: pid, startTime: 998877)], signal: "CONT"))
    }

    static let killRecipe = RevertRecipe.nothing(reason: "SIGKILL; the supervisor restarts the process")

    static func health(_ check: String, _ from: HealthState, _ to: HealthState, _ reason: String? = nil) -> EventBody {
        .health(HealthTransition(check: check, from: from, to: to, reason: reason))
    }

    static func ok(_ id: String, _ detail: String? = nil) -> FaultOutcome { FaultOutcome(faultID: id, ok: true, detail: detail) }
}
