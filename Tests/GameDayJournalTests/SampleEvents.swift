import Foundation
import GameDayCore
import GameDayFaults

/// Events of every type, with nested payloads (targets with tags, SSH access, proxy attributes) that exercise the
/// encoder's determinism.
enum SampleEvents {
    static let target = Target(name: "web-1", address: "127.0.0.1", tags: ["role": "web", "zone": "a", "tier": "front"],
                               access: .ssh(SSHAccess(user: "ops", port: 2222, identity: "/home/ops/.ssh/id",
                                                      options: ["StrictHostKeyChecking=yes"])),
                               process: ProcessSelector(pidFile: "/run/web.pid"))

    static var runStart: RunStart {
        let steps = [
            ScheduledStep(index: 0, name: "lose-one-web", fault: .nodeLoss(NodeLossFault(signal: .KILL)), targets: [target],
                          injectAt: .seconds(10), revertAt: .seconds(40),
                          preview: [CommandPreview(target: "web-1", inject: ["kill -KILL 42"], revert: [])]),
            ScheduledStep(index: 1, name: "slow-db", fault: ProxyLatency.fault(attributes: [
                "latency": .number(400), "jitter": .number(50), "label": .string("a/b"), "on": .bool(true),
            ]), randomFrom: ["latency", "node-loss"], targets: [], proxy: ProxySpec(name: "db", listen: "127.0.0.1:1", upstream: "127.0.0.1:2"),
                          injectAt: .seconds(20), revertAt: .seconds(30)),
        ]
        return RunStart(
            runID: "20261124-013726-demo", planName: "demo", planFile: "scenarios/demo.yaml",
            description: "Lose one replica; \"quotes\" and / slashes", environment: .staging,
            runbook: "../runbooks/replica-loss.md", risk: "R-012", dryRun: false,
            checks: [HealthCheckSpec(name: "storefront", kind: .http(HTTPCheck(url: "http://127.0.0.1:8080/health",
                                                                                headers: ["X-A": "1", "X-B": "2"]))),
                     HealthCheckSpec(name: "db", kind: .tcp(host: "127.0.0.1", port: 5432))],
            hypothesis: [HypothesisSpec(check: "storefront", availability: 99, latencyP99: .milliseconds(300))],
            guardrails: [GuardrailSpec(check: "storefront", condition: .unhealthyFor(.seconds(30)))],
            schedule: Schedule(planName: "demo", seed: 42, baseline: .seconds(10), recovery: .seconds(30), steps: steps),
            version: GameDayVersion.current)
    }

    /// One event of every type, numbered from 1.
    static var all: [JournalEvent] {
        let bodies: [EventBody] = [
            .runStart(runStart),
            .phase(PhaseChange(phase: .chaos)),
            .injectBegin(InjectBegin(faultID: "0.web-1", step: "lose-one-web", stepIndex: 0, fault: "node-loss",
                                     target: "web-1", description: "SIGSTOP to pid 42",
                                     recipe: .signal(SignalRevert(executor: .ssh(host: "web-1", access: SSHAccess(user: "ops")),
                                                                  processes: [ProcessRef(pid: 42, startTime: 123456), ProcessRef(pid: 43, startTime: nil)], signal: "CONT")))),
            .injectEnd(FaultOutcome(faultID: "0.web-1", ok: true, detail: "SIGSTOP sent to pid 42")),
            .revertBegin(RevertBegin(faultID: "0.web-1", reason: .guardrail, attempt: 2)),
            .revertEnd(FaultOutcome(faultID: "0.web-1", ok: false, error: "ssh: connect refused", manual: "ssh ops@web-1 'kill -CONT 42'")),
            .probe(ProbeSample(check: "storefront", ok: true, ms: 12.5, status: 200,
                               timings: PhaseTimings(dns: 0.1, connect: 0.25, tls: 0, firstByte: 11.75, total: 12.5))),
            .probe(ProbeSample(check: "db", ok: false, ms: nil, error: "connection refused \"x\"\nline2")),
            .health(HealthTransition(check: "storefront", from: .healthy, to: .unhealthy, reason: "3 failures")),
            .guardrail(GuardrailTrip(guardrail: "storefront unhealthy for 30s", check: "storefront", reason: "unhealthy since T+12s")),
            .mark(OperatorMark(kind: .note, text: "pager went off — ünïcode ✓")),
            .signal(SignalReceived(name: "SIGINT")),
            .error(RunError(message: "revert of 0.web-1 gave up")),
            .runEnd(RunEnd(status: .aborted, reason: "guardrail", stillActive: ["0.web-1"])),
        ]
        return bodies.enumerated().map { i, body in
            JournalEvent(seq: i + 1, t: Int64(i) * 1000 + 7, wall: 1_795_000_000_000 + Int64(i) * 1000 + 7, body: body)
        }
    }
}
