import Foundation
import GameDayCore
@testable import GameDayProbes
import GameDayTestSupport
import Logging
import Testing

/// Prometheus checks against a real Prometheus (Debian's `prometheus`) started on a free loopback port.
@Suite(.serialized) struct PrometheusProbeTests {
    private func check(_ name: String, _ url: String, _ query: String, below: Double? = nil, above: Double? = nil,
                       headers: [String: String] = [:], tokenEnv: String? = nil) -> HealthCheckSpec {
        HealthCheckSpec(name: name, kind: .prometheus(PrometheusCheck(url: url, query: query, healthyBelow: below, healthyAbove: above,
                                                                      headers: headers, bearerTokenEnv: tokenEnv)),
                        interval: .milliseconds(300), timeout: .seconds(2))
    }

    /// Each evaluation carries its value; out-of-bounds values, PromQL errors, empty and multi-series results and an
    /// unreachable server are failures with reasons, all from one real Prometheus and one probe loop.
    @Test(.timeLimit(.minutes(2))) func evaluatesAgainstRealPrometheus() async throws {
        let prometheus = try await MonitoringServer(.prometheus, configuration: "global: { scrape_interval: 1s }\n", name: "prom-probe")
        defer { prometheus.stop() }
        let closed = try freeLoopbackPort()
        let checks = [
            check("low", prometheus.url, "vector(0.005)", below: 0.01),
            check("high", prometheus.url, "vector(0.5)", below: 0.01),
            check("above", prometheus.url, "scalar(vector(3))", above: 2),
            check("bad", prometheus.url, "sum(", below: 1),
            check("empty", prometheus.url, #"no_such_metric{job="x"}"#, below: 1),
            check("many", prometheus.url, #"label_replace(vector(1),"a","x","","") or label_replace(vector(2),"a","y","","")"#, below: 5),
            check("down", "http://127.0.0.1:\(closed)", "vector(1)", below: 5),
        ]
        let run = try await runProbes(checks) { samples in
            Set(samples.map(\.check)).count == checks.count
        }
        func first(_ name: String) throws -> ProbeSample { try #require(run.of(name).first, "no sample for \(name)") }
        let low = try first("low")
        #expect(low.ok && low.value == 0.005 && low.error == nil, "\(low)")
        let high = try first("high")
        #expect(!high.ok && high.value == 0.5 && high.error == "value 0.5 is not below 0.01", "\(high)")
        let above = try first("above")
        #expect(above.ok && above.value == 3, "\(above)")
        let bad = try first("bad")
        #expect(!bad.ok && bad.value == nil && (bad.error ?? "").hasPrefix("PromQL bad_data: "), "\(bad)")
        let empty = try first("empty")
        #expect(!empty.ok && (empty.error ?? "").contains("no series"), "\(empty)")
        let many = try first("many")
        #expect(!many.ok && (many.error ?? "").contains("returned 2 series"), "\(many)")
        let down = try first("down")
        #expect(!down.ok && down.error == "Prometheus at http://127.0.0.1:\(closed) unreachable: connection refused", "\(down)")
    }

    /// Headers and the bearer token (read from the named environment variable) are sent with the query.
    @Test func headersAndBearerToken() async throws {
        let body = #"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#
        let path = PrometheusResponse.queryURL(base: "", query: "up")
        let server = try LoopbackHTTPServer(routes: [path: .reply(status: 200, body: body)])
        defer { server.stop() }
        setenv("GAMEDAY_TEST_PROM_TOKEN", "s3cret", 1)
        defer { unsetenv("GAMEDAY_TEST_PROM_TOKEN") }
        let spec = check("auth", "http://127.0.0.1:\(server.port)", "up", below: 2, headers: ["X-Scope-OrgID": "team-a"],
                         tokenEnv: "GAMEDAY_TEST_PROM_TOKEN")
        let run = try await runProbes([spec]) { !$0.isEmpty }
        #expect(run.samples.first?.ok == true, "\(run.samples)")
        let request = try #require(server.requests.first)
        #expect(request.headerLines.contains("Authorization: Bearer s3cret"))
        #expect(request.headerLines.contains("X-Scope-OrgID: team-a"))
    }

    /// A bearer-token variable that is not set stops the runner before any probe, naming the variable.
    @Test func missingTokenVariableIsRefused() async throws {
        unsetenv("GAMEDAY_TEST_PROM_TOKEN_UNSET")
        let spec = check("auth", "http://127.0.0.1:1", "up", below: 2, tokenEnv: "GAMEDAY_TEST_PROM_TOKEN_UNSET")
        let runner = ProbeRunner(logger: Logger(label: "test"))
        await #expect(throws: ProbeError.invalidCheck(check: "auth", reason: "bearerTokenEnv names $GAMEDAY_TEST_PROM_TOKEN_UNSET, which is not set; export it before the run")) {
            try await runner.run(checks: [spec], sink: { _ in })
        }
    }
}
