import GameDayCore
import Testing
@testable import GameDayEngine

struct HealthStateMachineTests {
    /// Unhealthy only after N consecutive failures, healthy again only after M consecutive successes.
    @Test func thresholds() {
        var m = HealthStateMachine(check: "c", failuresToUnhealthy: 3, successesToHealthy: 2)
        #expect(m.record(ok: true) == nil)
        #expect(m.record(ok: true)?.to == .healthy)
        #expect(m.record(ok: false) == nil)
        #expect(m.record(ok: false) == nil)
        let down = m.record(ok: false, error: "connection refused")
        #expect(down?.from == .healthy && down?.to == .unhealthy)
        #expect(down?.reason?.contains("connection refused") == true)
        #expect(m.record(ok: false) == nil)
        #expect(m.record(ok: true) == nil)
        #expect(m.record(ok: true)?.to == .healthy)
    }

    /// A success in the middle of failures resets the count (flapping does not turn unhealthy).
    @Test func flappingStaysHealthy() {
        var m = HealthStateMachine(check: "c", failuresToUnhealthy: 2, successesToHealthy: 1)
        _ = m.record(ok: true)
        for _ in 0..<10 {
            #expect(m.record(ok: false) == nil)
            #expect(m.record(ok: true) == nil)
        }
        #expect(m.state == .healthy)
    }
}

struct GuardrailStateMachineTests {
    let checks = [HealthCheckSpec(name: "c", kind: .tcp(host: "127.0.0.1", port: 1), interval: .seconds(1))]

    /// unhealthyFor trips once the check has been unhealthy for the span, not before; recovery resets it.
    @Test func unhealthyFor() {
        var g = GuardrailStateMachine(guardrails: [GuardrailSpec(check: "c", condition: .unhealthyFor(.seconds(30)))], checks: checks)
        g.observe(transition: HealthTransition(check: "c", from: .healthy, to: .unhealthy), at: .seconds(10))
        #expect(g.evaluate(at: .seconds(39)) == nil)
        g.observe(transition: HealthTransition(check: "c", from: .unhealthy, to: .healthy), at: .seconds(39))
        #expect(g.evaluate(at: .seconds(45)) == nil)
        g.observe(transition: HealthTransition(check: "c", from: .healthy, to: .unhealthy), at: .seconds(50))
        let trip = g.evaluate(at: .seconds(80))
        #expect(trip?.check == "c")
        #expect(trip?.reason.contains("30s") == true)
        #expect(g.evaluate(at: .seconds(81)) == nil)  // trips once
    }

    /// availabilityBelow trips early only when the window can no longer reach the threshold.
    @Test func availabilityBelowTripsWhenCertain() {
        var g = GuardrailStateMachine(guardrails: [GuardrailSpec(check: "c", condition: .availabilityBelow(percent: 80, window: .seconds(10)))], checks: checks)
        // 10 probes expected per window; 2 failures still allow 80%.
        g.observe(check: "c", ok: false, at: .seconds(1))
        g.observe(check: "c", ok: false, at: .seconds(2))
        #expect(g.evaluate(at: .seconds(2)) == nil)
        g.observe(check: "c", ok: false, at: .seconds(3))
        #expect(g.evaluate(at: .seconds(3)) != nil)
    }

    /// Old failures leave the window: a check that recovered does not trip later.
    @Test func windowSlides() {
        var g = GuardrailStateMachine(guardrails: [GuardrailSpec(check: "c", condition: .availabilityBelow(percent: 80, window: .seconds(10)))], checks: checks)
        g.observe(check: "c", ok: false, at: .seconds(1))
        g.observe(check: "c", ok: false, at: .seconds(2))
        #expect(g.evaluate(at: .seconds(2)) == nil)
        for t in 3...30 { g.observe(check: "c", ok: t > 12 || t % 5 != 0, at: .seconds(Int64(t))) }
        g.observe(check: "c", ok: false, at: .seconds(31))
        g.observe(check: "c", ok: false, at: .seconds(32))
        #expect(g.evaluate(at: .seconds(32)) == nil)
    }
}
