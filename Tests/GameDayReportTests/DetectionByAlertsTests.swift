import GameDayCore
import GameDayFaults
import Testing
@testable import GameDayReport

/// The `## Detection by alerts` section, from a scripted journal with alert events.
struct DetectionByAlertsTests {
    private func alert(_ status: AlertEvent.Status, _ name: String, _ fp: String, instance: String = "web-2") -> EventBody {
        .alert(AlertEvent(status: status, name: name, labels: ["alertname": name, "instance": instance, "severity": "page"],
                          fingerprint: fp, startsAt: "2026-11-24T01:37:38Z", source: .webhook))
    }

    /// Two steps, one caught by ReplicaDown and one missed; an alert in the baseline is noise; an API outage is told.
    private var journal: [JournalEvent] {
        var s = RunScript()
        let kill = Fixture.step(0, "lose-one-web", .nodeLoss(NodeLossFault(signal: .KILL)), targets: [Fixture.web2], at: 10_000, until: 20_000)
        let freeze = Fixture.step(1, "invisible", .nodeLoss(NodeLossFault(signal: .STOP)), targets: [Fixture.web3], at: 40_000, until: 45_000)
        guard case .runStart(var start) = Fixture.runStart(name: "alerts", steps: [kill, freeze], recovery: .seconds(5)) else { return [] }
        start.alerts = AlertsSpec(webhook: "127.0.0.1:9095", alertmanager: "http://127.0.0.1:9093",
                                  matchers: [try! AlertMatcher(parsing: #"severity=~"page|ticket""#)])
        s.add(0, .runStart(start))
        s.add(1, .phase(PhaseChange(phase: .baseline)))
        s.add(3_000, alert(.firing, "Flapping", "n1", instance: "db"))
        s.add(10_000, .phase(PhaseChange(phase: .chaos)))
        s.add(10_001, Fixture.begin(kill, target: "web-2", recipe: Fixture.killRecipe, description: "SIGKILL"))
        s.add(10_004, .injectEnd(Fixture.ok("0.web-2")))
        s.add(12_500, Fixture.health("web-2", .healthy, .unhealthy, "3 consecutive failures"))
        s.add(13_204, alert(.firing, "ReplicaDown", "f1"))
        s.add(14_000, alert(.firing, "ReplicaDown", "f1"))
        s.add(20_000, .revertBegin(RevertBegin(faultID: "0.web-2", reason: .scheduled)))
        s.add(20_001, .revertEnd(Fixture.ok("0.web-2")))
        s.add(21_000, Fixture.health("web-2", .unhealthy, .healthy, "2 consecutive successes"))
        s.add(23_001, alert(.resolved, "ReplicaDown", "f1"))
        s.add(30_000, .alertSource(AlertSourceStatus(source: .api, available: false, reason: "http://127.0.0.1:9093: connection refused")))
        s.add(35_000, .alertSource(AlertSourceStatus(source: .api, available: true)))
        s.add(40_000, Fixture.begin(freeze, target: "web-3", recipe: Fixture.stopRecipe(pid: 99), description: "SIGSTOP"))
        s.add(40_003, .injectEnd(Fixture.ok("1.web-3")))
        s.add(45_000, .revertBegin(RevertBegin(faultID: "1.web-3", reason: .scheduled)))
        s.add(45_001, .revertEnd(Fixture.ok("1.web-3")))
        s.add(45_002, .phase(PhaseChange(phase: .recovery)))
        s.add(50_002, .runEnd(RunEnd(status: .completed)))
        s.probes("storefront", from: 0, to: 50_000, offset: 100)
        return s.events
    }

    /// Per step: first alert and time to alert beside the probe's, resolution after the revert, "no alert fired", the
    /// coverage line, noise, the outage, and the verdict summary naming the uncovered step.
    @Test func section() {
        let text = Postmortem.render(journal)
        #expect(text.contains("## Detection by alerts"))
        #expect(text.contains(#"| lose-one-web | node-loss | ReplicaDown {instance="web-2", severity="page"} | 3.2s | T+00:23.001 (3s after the revert) | 2.496s | — |"#), "\(text)")
        #expect(text.contains("| invisible | node-loss | **no alert fired** | — | — | not detected | — |"))
        #expect(text.contains("Alerts caught 1 of 2 injected steps."))
        #expect(text.contains("Noise: 1 alert fired outside every step's window."))
        #expect(text.contains(#"- T+00:03.000 Flapping {instance="db", severity="page"}"#))
        #expect(text.contains("Alerts unavailable: Alertmanager's API failed from T+00:30.000 until T+00:35.000"))
        #expect(text.contains("Alerts caught 1 of 2 injected steps; no alert fired for invisible."))
        #expect(text.contains(#"| alert | ReplicaDown {instance="web-2", severity="page"} **firing** (webhook) |"#))
    }

    /// Runs without an `alerts:` section have no such section (their postmortems keep their bytes: see the goldens).
    @Test func absentWithoutAlertsSection() {
        #expect(!Postmortem.render(Scenarios.held).contains("Detection by alerts"))
        #expect(AlertDetection(RunAnalysis(events: Scenarios.held)) == nil)
    }
}
