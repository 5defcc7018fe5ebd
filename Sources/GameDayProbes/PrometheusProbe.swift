import CCurl
import Foundation
import GameDayCore

/// One Prometheus check: an instant query sent through an ``HTTPProbe`` (so it shares the multi loop, the timeout and
/// the failure texts of HTTP checks), its JSON answer read by ``PrometheusResponse``, and the value judged against
/// `healthyBelow` / `healthyAbove`. Confined to the probe thread.
final class PrometheusProbe {
    /// Responses larger than this are refused: a health check's query should return one series.
    static let bodyLimit = 1024 * 1024

    let name: String
    private let check: PrometheusCheck
    private let http: HTTPProbe

    init(index: Int, spec: HealthCheckSpec, check: PrometheusCheck, configuration: ProbeRunner.Configuration,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        name = spec.name
        self.check = check
        var headers = check.headers
        if let variable = check.bearerTokenEnv {
            guard let token = environment[variable], !token.isEmpty else {
                throw ProbeError.invalidCheck(check: spec.name, reason: "bearerTokenEnv names $\(variable), which is not set; export it before the run")
            }
            headers["Authorization"] = "Bearer \(token)"
        }
        let request = HTTPCheck(url: PrometheusResponse.queryURL(base: check.url, query: check.query), method: "GET",
                                expectStatus: [], headers: headers)
        http = try HTTPProbe(index: index, spec: spec, check: request, configuration: configuration,
                             bodyCapacity: Self.bodyLimit)
    }

    func start(multi: UnsafeMutableRawPointer) -> ProbeSample? {
        http.start(multi: multi).map(unreachable)
    }

    /// Judges the finished query: transport failures keep the HTTP probe's reason; PromQL errors, empty and
    /// multi-series results are failures with their own; a value outside the bounds is a failure that keeps the value.
    func finish(multi: UnsafeMutableRawPointer, result: CURLcode) -> ProbeSample {
        let response = http.finish(multi: multi, result: result)
        guard let ms = response.ms, let status = response.status else { return unreachable(response) }
        let body = http.completedBody
        switch PrometheusResponse.evaluate(status: status, body: body.bytes, truncated: body.truncated,
                                           bodyLimit: Self.bodyLimit) {
        case .failure(let reason):
            return ProbeSample(check: name, ok: false, ms: ms, status: status, error: reason)
        case .value(let value):
            let problem = check.judge(value)
            // JSON has no NaN or infinity: such a value is not stored (the error text, if any, spells it).
            return ProbeSample(check: name, ok: problem == nil, ms: ms, status: status, error: problem,
                               value: value.isFinite ? value : nil)
        }
    }

    private func unreachable(_ sample: ProbeSample) -> ProbeSample {
        var failed = sample
        failed.error = "Prometheus at \(check.url) unreachable: \(sample.error ?? "no response")"
        return failed
    }

    func close(multi: UnsafeMutableRawPointer) { http.close(multi: multi) }
}
