import Foundation
import GameDayCore
import Testing
@testable import GameDayPlan

/// `slowerThan:`, `prometheus:` checks and `valueBelow`/`valueAbove` hypotheses, decoded through the plan loader.
struct ObservabilityPlanTests {

    /// The plan with `extra` appended to its health list (and `hypothesis` appended to its hypotheses).
    private func plan(health extra: String, hypothesis: String = "") -> String {
        var yaml = replacing("    successesToHealthy: 2\n", with: "    successesToHealthy: 2\n" + extra)
        if !hypothesis.isEmpty {
            yaml = yaml.replacingOccurrences(of: "    latencyP99: 300ms\n", with: "    latencyP99: 300ms\n" + hypothesis)
        }
        return yaml
    }

    /// slowerThan on HTTP and TCP checks decodes into the check.
    @Test func slowerThanDecodes() throws {
        let yaml = plan(health: """
          - name: payments
            tcp: 127.0.0.1:5432
            slowerThan: 200ms

        """).replacingOccurrences(of: "    successesToHealthy: 2\n", with: "    successesToHealthy: 2\n    slowerThan: 1s\n")
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let plan = try #require(result.plan)
        #expect(plan.health[0].slowerThan == .seconds(1))
        #expect(plan.health[1].slowerThan == .milliseconds(200))
    }

    /// slowerThan on a command check is refused at its key, and a bad duration at its value.
    @Test func slowerThanErrors() {
        let command = load(plan(health: """
          - name: script
            command: [/bin/true]
            slowerThan: 1s

        """))
        #expect(command.errors.contains { $0.message.contains("slowerThan applies to http and tcp checks") && $0.line == 32 && $0.column == 5 },
                "\(command.errors)")
        let bad = load(replacing("    successesToHealthy: 2\n", with: "    successesToHealthy: 2\n    slowerThan: fast\n"))
        #expect(bad.errors.contains { $0.message.contains("slowerThan must be a duration") && $0.line == 30 && $0.column == 17 }, "\(bad.errors)")
    }

    /// A prometheus check with its options decodes; value bounds in the hypothesis decode too.
    @Test func prometheusCheckDecodes() throws {
        let yaml = plan(health: """
          - name: error-ratio
            prometheus:
              url: http://127.0.0.1:9090
              query: sum(rate(http_requests_total{code=~"5.."}[30s])) / sum(rate(http_requests_total[30s]))
              healthyBelow: 0.01
              headers: { X-Scope-OrgID: team-a }
              bearerTokenEnv: PROMETHEUS_TOKEN
            interval: 5s

        """, hypothesis: """
          - check: error-ratio
            valueBelow: 0.05
            phases: [chaos]

        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let plan = try #require(result.plan)
        let check = plan.health[1]
        #expect(check.interval == .seconds(5))
        #expect(check.kind == .prometheus(PrometheusCheck(
            url: "http://127.0.0.1:9090",
            query: #"sum(rate(http_requests_total{code=~"5.."}[30s])) / sum(rate(http_requests_total[30s]))"#,
            healthyBelow: 0.01, headers: ["X-Scope-OrgID": "team-a"], bearerTokenEnv: "PROMETHEUS_TOKEN")))
        #expect(plan.hypothesis[1].valueBelow == 0.05)
        #expect(plan.hypothesis[1].phases == [.chaos])
    }

    /// Each malformed prometheus check or value bound is reported at its line and column with what to do.
    @Test(arguments: [
        ("    prometheus: { url: http://127.0.0.1:9090, query: up }\n", "needs exactly one of healthyBelow or healthyAbove", 31, 17),
        ("    prometheus: { url: http://127.0.0.1:9090, query: up, healthyBelow: 1, healthyAbove: 0 }\n", "needs exactly one of healthyBelow or healthyAbove", 31, 17),
        ("    prometheus: { url: 127.0.0.1:9090, query: up, healthyBelow: 1 }\n", "must start with http:// or https://", 31, 24),
        ("    prometheus: { url: http://p:9090/api/v1/query, query: up, healthyBelow: 1 }\n", "without /api/v1", 31, 24),
        ("    prometheus: { url: http://p:9090, query: up, healthyBelow: low }\n", "healthyBelow must be a number", 31, 64),
        ("    prometheus: { url: http://p:9090, healthyBelow: 1 }\n", "'query'", 31, 17),
        ("    prometheus: { url: http://p:9090, query: up, healthyBelow: 1, bearerTokenEnv: \"$X\" }\n", "name of an environment variable", 31, 83),
        ("    prometheus: { url: http://p:9090, query: up, healthyBelow: 1, querry: x }\n", "querry", 31, 67),
    ])
    func prometheusErrors(_ line: String, _ message: String, _ row: Int, _ column: Int) {
        let result = load(plan(health: "  - name: ratio\n" + line))
        let match = result.errors.first { $0.message.contains(message) }
        #expect(match != nil, "no error containing \"\(message)\" in \(result.errors.map(\.description))")
        if let match { #expect(match.line == row && match.column == column, "\(match)") }
    }

    /// valueBelow on a check that has no values is refused, naming the check.
    @Test func valueBoundNeedsPrometheusCheck() {
        let result = load(plan(health: "", hypothesis: "  - check: storefront\n    valueBelow: 1\n"))
        #expect(result.errors.contains { $0.message.contains("need a prometheus check; 'storefront' has no values") }, "\(result.errors)")
    }

    /// The alerts section decodes: webhook, Alertmanager URL, matchers in Alertmanager syntax, poll interval.
    @Test func alertsDecode() throws {
        let yaml = validPlan + """
        alerts:
          webhook: 127.0.0.1:9095
          alertmanager: http://127.0.0.1:9093
          matchers: ['severity=~"page|ticket"', 'team!=db']
          pollInterval: 2s

        """
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
        let alerts = try #require(result.plan?.alerts)
        #expect(alerts == AlertsSpec(webhook: "127.0.0.1:9095", alertmanager: "http://127.0.0.1:9093",
                                     matchers: [AlertMatcher(name: "severity", op: .matches, value: "page|ticket"),
                                                AlertMatcher(name: "team", op: .notEqual, value: "db")],
                                     pollInterval: .seconds(2)))
        #expect(load(validPlan).plan?.alerts == nil)
    }

    /// Each malformed alerts section is reported at its position with what to do.
    @Test(arguments: [
        ("alerts: { matchers: [] }\n", "needs webhook", 51, 9),
        ("alerts: { webhook: 0.0.0.0:9095 }\n", "not a loopback address; give tokenEnv", 51, 20),
        ("alerts: { webhook: 9095 }\n", "webhook must be HOST:PORT", 51, 20),
        ("alerts: { alertmanager: http://am:9093/api/v2/alerts }\n", "without /api/v2", 51, 25),
        ("alerts: { alertmanager: am:9093 }\n", "must be an http:// or https:// URL", 51, 25),
        ("alerts: { webhook: 127.0.0.1:9095, matchers: ['severity'] }\n", "is not a matcher", 51, 47),
        ("alerts: { webhook: 127.0.0.1:9095, matchers: ['a=~\"(\"'] }\n", "does not compile", 51, 47),
        ("alerts: { webhook: 127.0.0.1:9095, pollIntervall: 1s }\n", "pollIntervall", 51, 36),
    ])
    func alertsErrors(_ section: String, _ message: String, _ row: Int, _ column: Int) {
        let result = load(validPlan + section)
        let match = result.errors.first { $0.message.contains(message) }
        #expect(match != nil, "no error containing \"\(message)\" in \(result.errors.map(\.description))")
        if let match { #expect(match.line == row && match.column == column, "\(match)") }
    }

    /// A non-loopback webhook is accepted with a token variable.
    @Test func remoteWebhookWithToken() {
        let result = load(validPlan + "alerts: { webhook: 0.0.0.0:9095, tokenEnv: GAMEDAY_ALERTS_TOKEN }\n")
        #expect(result.errors.isEmpty, "\(result.diagnostics)")
    }
}
