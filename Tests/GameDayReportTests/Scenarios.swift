import GameDayCore
import GameDayFaults
@testable import GameDayReport

/// The runs the golden postmortems are rendered from. Each is a plausible journal of the demo fleet.
enum Scenarios {
    /// Node loss (SIGKILL) of web-2; its supervisor restarts it before the scheduled revert. Everything holds.
    static var held: [JournalEvent] {
        var s = RunScript()
        let step = Fixture.step(0, "lose-one-web", .nodeLoss(NodeLossFault(signal: .KILL)), targets: [Fixture.web2], at: 10_000, until: 30_000)
        s.add(0, Fixture.runStart(name: "replica-loss", steps: [step]))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy, "2 successes"))
        s.add(3, Fixture.health("web-2", .unknown, .healthy, "2 successes"))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(step, target: "web-2", recipe: Fixture.killRecipe, description: "SIGKILL to web-2 (pid 4242)"))
        s.add(10_004, .injectEnd(Fixture.ok("0.web-2", "SIGKILL sent to pid 4242")))
        s.add(12_500, Fixture.health("web-2", .healthy, .unhealthy, "3 consecutive failures"))
        s.add(17_500, Fixture.health("web-2", .unhealthy, .healthy, "2 consecutive successes"))
        s.add(30_000, .revertBegin(RevertBegin(faultID: "0.web-2", reason: .scheduled)))
        s.add(30_001, .revertEnd(Fixture.ok("0.web-2", "nothing to revert")))
        s.add(30_002, .phase(PhaseChange(phase: .recovery)))
        s.add(45_002, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 45_000, offset: 100, ms: { 12 + Double($0 % 9_000) / 500 })
        s.probes("web-2", from: 0, to: 45_000, offset: 500, fails: { $0 >= 10_000 && $0 < 16_000 }, ms: { _ in 1.5 })
        return s.events
    }

    /// SIGSTOP of web-1: the balancer keeps sending it requests until its check fails, so availability and p99 in
    /// the chaos phase miss their targets. Recovers 1.5 s after the SIGCONT.
    static var violated: [JournalEvent] {
        var s = RunScript()
        let step = Fixture.step(0, "freeze-web-1", .nodeLoss(NodeLossFault(signal: .STOP)), targets: [Fixture.web1], at: 10_000, until: 30_000)
        s.add(0, Fixture.runStart(name: "replica-freeze", steps: [step], checks: [Fixture.checks[0]],
                                  guardrails: [GuardrailSpec(check: "storefront", condition: .availabilityBelow(percent: 50, window: .seconds(30)))]))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(step, target: "web-1", recipe: Fixture.stopRecipe(pid: 4141), description: "SIGSTOP to web-1 (pid 4141)"))
        s.add(10_003, .injectEnd(Fixture.ok("0.web-1", "SIGSTOP sent to pid 4141")))
        s.add(13_250, Fixture.health("storefront", .healthy, .unhealthy, "3 consecutive failures"))
        s.add(30_000, .revertBegin(RevertBegin(faultID: "0.web-1", reason: .scheduled)))
        s.add(30_002, .revertEnd(Fixture.ok("0.web-1", "SIGCONT sent to pid 4141")))
        s.add(30_003, .phase(PhaseChange(phase: .recovery)))
        s.add(31_500, Fixture.health("storefront", .unhealthy, .healthy, "2 consecutive successes"))
        s.add(45_003, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 45_000, every: 500, offset: 250,
                 fails: { $0 >= 10_000 && $0 < 30_000 && $0 % 2_000 == 250 },
                 ms: { $0 >= 10_000 && $0 < 31_000 ? 180 + Double($0 % 3_000) / 5 : 11 + Double($0 % 1_000) / 100 })
        return s.events
    }

    /// A command fault cuts the database off; the storefront stays unhealthy until the guardrail aborts the run.
    /// The second step never runs.
    static var guardrailAborted: [JournalEvent] {
        var s = RunScript()
        let cut = Fixture.step(0, "cut-db", .command(CommandFault(inject: ["iptables", "-I", "OUTPUT", "-p", "tcp", "--dport", "5432", "-j", "DROP"],
                                                                    revert: ["iptables", "-D", "OUTPUT", "-p", "tcp", "--dport", "5432", "-j", "DROP"])),
                               targets: [Fixture.web1], at: 10_000, until: 70_000)
        let later = Fixture.step(1, "lose-one-web", .nodeLoss(NodeLossFault(signal: .KILL)), targets: [Fixture.web3], at: 40_000, until: 60_000)
        s.add(0, Fixture.runStart(name: "db-partition", steps: [cut, later], checks: [Fixture.checks[0]]))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        let recipe = RevertRecipe.command(CommandRevert(argv: ["iptables", "-D", "OUTPUT", "-p", "tcp", "--dport", "5432", "-j", "DROP"]))
        s.add(10_001, Fixture.begin(cut, target: "web-1", recipe: recipe, description: "iptables -I OUTPUT -p tcp --dport 5432 -j DROP"))
        s.add(10_040, .injectEnd(Fixture.ok("0.web-1", "exit 0")))
        s.add(12_700, Fixture.health("storefront", .healthy, .unhealthy, "3 consecutive failures: HTTP 503"))
        s.add(22_700, .guardrail(GuardrailTrip(guardrail: "storefront unhealthy for 10s", check: "storefront",
                                               reason: "unhealthy since T+00:12.700")))
        s.add(22_701, .revertBegin(RevertBegin(faultID: "0.web-1", reason: .guardrail)))
        s.add(22_760, .revertEnd(Fixture.ok("0.web-1", "exit 0")))
        s.add(22_761, .phase(PhaseChange(phase: .recovery)))
        s.add(24_700, Fixture.health("storefront", .unhealthy, .healthy))
        s.add(37_761, .runEnd(RunEnd(status: .aborted, reason: "guardrail storefront unhealthy for 10s")))
        s.probes("storefront", from: 0, to: 37_700, offset: 700, fails: { $0 >= 10_700 && $0 < 23_700 })
        return s.events
    }

    /// A STOP over SSH whose revert keeps failing (the host went away): the run ends with the fault still applied.
    static var revertFailed: [JournalEvent] {
        var s = RunScript()
        let remote = Target(name: "api-1", address: "10.0.0.21", tags: ["role": "api"],
                            access: .ssh(SSHAccess(user: "ops", port: 2222)), process: ProcessSelector(systemdUnit: "api.service"))
        let step = Fixture.step(0, "freeze-api", .nodeLoss(NodeLossFault(signal: .STOP)), targets: [remote], at: 10_000, until: 20_000)
        s.add(0, Fixture.runStart(name: "api-freeze", steps: [step], checks: [Fixture.checks[0]], runbook: nil, risk: nil))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        let recipe = RevertRecipe.signal(SignalRevert(executor: .ssh(host: "10.0.0.21", access: SSHAccess(user: "ops", port: 2222)),
                                                      processes: [ProcessRef(pid: 812, startTime: 5555)], signal: "CONT"))
        s.add(10_001, Fixture.begin(step, target: "api-1", recipe: recipe, description: "SIGSTOP to api.service (pid 812)"))
        s.add(10_350, .injectEnd(Fixture.ok("0.api-1", "SIGSTOP sent to pid 812")))
        s.add(20_000, .revertBegin(RevertBegin(faultID: "0.api-1", reason: .scheduled, attempt: 1)))
        s.add(25_000, .revertEnd(FaultOutcome(faultID: "0.api-1", ok: false, error: "ssh: connect to host 10.0.0.21 port 2222: Connection timed out")))
        s.add(25_800, .revertBegin(RevertBegin(faultID: "0.api-1", reason: .scheduled, attempt: 2)))
        s.add(30_800, .revertEnd(FaultOutcome(faultID: "0.api-1", ok: false, error: "ssh: connect to host 10.0.0.21 port 2222: Connection timed out")))
        s.add(32_900, .revertBegin(RevertBegin(faultID: "0.api-1", reason: .scheduled, attempt: 3)))
        s.add(37_900, .revertEnd(FaultOutcome(faultID: "0.api-1", ok: false, error: "ssh: connect to host 10.0.0.21 port 2222: Connection timed out",
                                              manual: "ssh -p 2222 ops@10.0.0.21 'kill -CONT 812'")))
        s.add(37_901, .error(RunError(message: "revert of 0.api-1 gave up after 3 attempts")))
        s.add(37_902, .phase(PhaseChange(phase: .recovery)))
        s.add(52_902, .runEnd(RunEnd(status: .completed, reason: "a revert failed", stillActive: ["0.api-1"])))
        s.probes("storefront", from: 0, to: 52_900, offset: 300)
        return s.events
    }

    /// The controller was SIGKILLed during the chaos phase: the journal stops mid-line with a STOP still applied.
    static var incompleteTorn: [JournalEvent] {
        var s = RunScript()
        let step = Fixture.step(0, "freeze-web-1", .nodeLoss(NodeLossFault(signal: .STOP)), targets: [Fixture.web1], at: 10_000, until: 40_000)
        s.add(0, Fixture.runStart(name: "replica-freeze", steps: [step]))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(3, Fixture.health("web-2", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(step, target: "web-1", recipe: Fixture.stopRecipe(pid: 4141), description: "SIGSTOP to web-1 (pid 4141)"))
        s.add(10_002, .injectEnd(Fixture.ok("0.web-1", "SIGSTOP sent to pid 4141")))
        s.probes("storefront", from: 0, to: 18_000, offset: 100)
        s.probes("web-2", from: 0, to: 18_000, offset: 500)
        return s.events
    }

    /// Two kills and a silent fault, with an operator typing marks: the second step goes unnoticed by the probes
    /// but not by the operator.
    static var operatorMarks: [JournalEvent] {
        var s = RunScript()
        let kill = Fixture.step(0, "kill-web-3", .nodeLoss(NodeLossFault(signal: .KILL)), targets: [Fixture.web3], at: 10_000, until: 25_000)
        let drain = Fixture.step(1, "drain-cache", .command(CommandFault(inject: ["cachectl", "drain"], revert: ["cachectl", "fill"])),
                                 targets: [Fixture.web1], at: 35_000, until: 45_000)
        let web3 = HealthCheckSpec(name: "web-3", kind: .tcp(host: "127.0.0.1", port: 18083))
        s.add(0, Fixture.runStart(name: "marks", steps: [kill, drain], checks: [Fixture.checks[0], web3],
                                  hypothesis: Fixture.hypothesis + [HypothesisSpec(check: "web-3", availability: 50, phases: [.baseline, .recovery])]))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(3, Fixture.health("web-3", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(kill, target: "web-3", recipe: Fixture.killRecipe, description: "SIGKILL to web-3 (pid 4343)"))
        s.add(10_003, .injectEnd(Fixture.ok("0.web-3")))
        s.add(12_800, Fixture.health("web-3", .healthy, .unhealthy, "3 consecutive failures"))
        s.add(14_200, .mark(OperatorMark(kind: .detected)))
        s.add(16_000, .mark(OperatorMark(kind: .note, text: "balancer | dropped web-3 from rotation")))
        s.add(20_500, .mark(OperatorMark(kind: .mitigated, text: "supervisor restarted web-3")))
        s.add(20_800, Fixture.health("web-3", .unhealthy, .healthy))
        s.add(25_000, .revertBegin(RevertBegin(faultID: "0.web-3", reason: .scheduled)))
        s.add(25_001, .revertEnd(Fixture.ok("0.web-3", "nothing to revert")))
        s.add(35_000, Fixture.begin(drain, target: "web-1", recipe: .command(CommandRevert(argv: ["cachectl", "fill"])), description: "cachectl drain"))
        s.add(35_120, .injectEnd(Fixture.ok("1.web-1", "exit 0")))
        s.add(38_400, .mark(OperatorMark(kind: .detected, text: "cache hit ratio alert")))
        s.add(45_000, .revertBegin(RevertBegin(faultID: "1.web-1", reason: .scheduled)))
        s.add(45_090, .revertEnd(Fixture.ok("1.web-1", "exit 0")))
        s.add(45_091, .phase(PhaseChange(phase: .recovery)))
        s.add(60_091, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 60_000, offset: 100)
        s.probes("web-3", from: 0, to: 60_000, offset: 600, fails: { $0 >= 10_000 && $0 < 19_000 }, ms: { _ in 2 })
        return s.events
    }

    /// A `random` step picked a STOP of web-2 with seed 7; the operator pressed Ctrl-C mid-fault, so the run was
    /// interrupted and the fault reverted on the signal.
    static var randomInterrupted: [JournalEvent] {
        var s = RunScript()
        let step = Fixture.step(0, "surprise", .nodeLoss(NodeLossFault(signal: .STOP)), targets: [Fixture.web2], at: 10_000, until: 40_000,
                                randomFrom: ["node-loss", "command"])
        s.add(0, Fixture.runStart(name: "surprise", steps: [step], seed: 7))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(3, Fixture.health("web-2", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(step, target: "web-2", recipe: Fixture.stopRecipe(pid: 4242), description: "SIGSTOP to web-2 (pid 4242)"))
        s.add(10_002, .injectEnd(Fixture.ok("0.web-2", "SIGSTOP sent to pid 4242")))
        s.add(13_500, Fixture.health("web-2", .healthy, .unhealthy, "3 consecutive failures: timeout"))
        s.add(19_000, .signal(SignalReceived(name: "SIGINT")))
        s.add(19_001, .revertBegin(RevertBegin(faultID: "0.web-2", reason: .signal)))
        s.add(19_003, .revertEnd(Fixture.ok("0.web-2", "SIGCONT sent to pid 4242")))
        s.add(20_500, Fixture.health("web-2", .unhealthy, .healthy))
        s.add(20_600, .runEnd(RunEnd(status: .interrupted, reason: "SIGINT")))
        s.probes("storefront", from: 0, to: 20_600, offset: 100)
        s.probes("web-2", from: 0, to: 20_600, offset: 500, fails: { $0 >= 10_000 && $0 < 19_500 }, ms: { _ in 1.5 })
        return s.events
    }

    /// `gameday run --dry-run`: the schedule is walked and journaled, nothing is applied, probes still run.
    static var dryRun: [JournalEvent] {
        var s = RunScript()
        let step = Fixture.step(0, "lose-one-web", .nodeLoss(NodeLossFault(signal: .KILL)), targets: [Fixture.web2], at: 10_000, until: 20_000)
        s.add(0, Fixture.runStart(name: "replica-loss", steps: [step], checks: [Fixture.checks[0]], dryRun: true))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(2, Fixture.health("storefront", .unknown, .healthy))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(step, target: "web-2", recipe: Fixture.killRecipe, description: "SIGKILL to web-2 (pid 4242)"))
        s.add(10_002, .injectEnd(Fixture.ok("0.web-2", "dry run: would send SIGKILL to pid 4242")))
        s.add(20_000, .revertBegin(RevertBegin(faultID: "0.web-2", reason: .scheduled)))
        s.add(20_001, .revertEnd(Fixture.ok("0.web-2", "dry run")))
        s.add(20_002, .phase(PhaseChange(phase: .recovery)))
        s.add(35_002, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 35_000, offset: 100)
        return s.events
    }
}
