import Foundation
import GameDayCore
import GameDayYAML
import Yams

/// The observability parts of plan decoding (issue 9): `prometheus:` checks, `valueBelow`/`valueAbove` bounds and the
/// `alerts:` section, through the same positioned ``NodeReader`` as the rest of the plan.
extension PlanDecoder {
    func withAlerts(_ alerts: AlertsSpec?, _ plan: Plan) -> Plan {
        var plan = plan
        plan.alerts = alerts
        return plan
    }

    /// `alerts: { webhook: HOST:PORT, alertmanager: URL, matchers: [...], pollInterval, tokenEnv }`.
    func decodeAlerts(_ node: Node) -> AlertsSpec? {
        guard let f = reader.mapping(node, "alerts", allowed: PlanKeys.alerts) else { return nil }
        var spec = AlertsSpec()
        if !f.has("webhook") && !f.has("alertmanager") {
            reader.error(f.node, "alerts needs webhook (HOST:PORT to receive Alertmanager webhooks on) and/or alertmanager (its URL, to poll)")
        }
        spec.tokenEnv = reader.string(f["tokenEnv"], "tokenEnv")
        if let variable = spec.tokenEnv, variable.isEmpty || !variable.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
            reader.error(f["tokenEnv"], "tokenEnv is the name of an environment variable (such as GAMEDAY_ALERTS_TOKEN), found '\(variable)'")
        }
        if let text = reader.string(f["webhook"], "webhook") {
            if let address = HostPort.parse(text) {
                if !address.isLoopback && spec.tokenEnv == nil {
                    reader.error(f["webhook"], "webhook \(text) is not a loopback address; give tokenEnv (a variable holding the token Alertmanager sends) or listen on 127.0.0.1")
                }
                spec.webhook = address.description
            } else {
                reader.error(f["webhook"], "webhook must be HOST:PORT (such as 127.0.0.1:9095), found '\(text)'")
            }
        }
        if let url = reader.string(f["alertmanager"], "alertmanager") {
            if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                reader.error(f["alertmanager"], "alertmanager must be an http:// or https:// URL (such as http://127.0.0.1:9093), found '\(url)'")
            } else if url.contains("/api/") {
                reader.error(f["alertmanager"], "alertmanager is the base URL (such as http://127.0.0.1:9093), without /api/v2/...")
            }
            spec.alertmanager = url
        }
        if let list = f["matchers"] {
            for item in reader.sequence(list, "matchers") {
                guard let text = reader.string(item, "a matcher") else { continue }
                do { spec.matchers.append(try AlertMatcher(parsing: text)) } catch { reader.error(item, "\(error)") }
            }
        }
        if let interval = reader.duration(f["pollInterval"], "pollInterval") { spec.pollInterval = interval }
        return spec
    }

    /// `prometheus: { url, query, healthyBelow | healthyAbove, headers, bearerTokenEnv }`.
    func decodePrometheusCheck(_ node: Node, name: String) -> PrometheusCheck? {
        let what = "prometheus check '\(name)'"
        guard let f = reader.mapping(node, what, allowed: PlanKeys.prometheusCheck),
              let urlNode = reader.require(f, "url", what), let url = reader.string(urlNode, "url"),
              let queryNode = reader.require(f, "query", what), let query = reader.string(queryNode, "query") else { return nil }
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            reader.error(urlNode, "url of \(what) must start with http:// or https://, found '\(url)'")
        } else if url.contains("/api/v1") {
            reader.error(urlNode, "url of \(what) is the server's base URL (such as http://127.0.0.1:9090), without /api/v1/...")
        }
        if query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { reader.error(queryNode, "query of \(what) is empty") }
        if f.has("healthyBelow") == f.has("healthyAbove") {
            reader.error(f.node, "\(what) needs exactly one of healthyBelow or healthyAbove")
        }
        var check = PrometheusCheck(url: url, query: query)
        check.healthyBelow = reader.double(f["healthyBelow"], "healthyBelow")
        check.healthyAbove = reader.double(f["healthyAbove"], "healthyAbove")
        check.headers = reader.stringMap(f["headers"], "headers") ?? [:]
        if let variable = reader.string(f["bearerTokenEnv"], "bearerTokenEnv") {
            if variable.isEmpty || !variable.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) {
                reader.error(f["bearerTokenEnv"], "bearerTokenEnv is the name of an environment variable (such as PROMETHEUS_TOKEN), found '\(variable)'")
            }
            check.bearerTokenEnv = variable
        }
        return check
    }

    /// `valueBelow` / `valueAbove` bound a Prometheus check's values; on other checks they would judge nothing.
    func checkValueBounds(_ h: HypothesisSpec, node: Node, checks: [HealthCheckSpec]) {
        guard h.valueBelow != nil || h.valueAbove != nil, let check = checks.first(where: { $0.name == h.check }) else { return }
        if case .prometheus = check.kind { return }
        reader.error(node, "valueBelow/valueAbove in the hypothesis for '\(h.check)' need a prometheus check; '\(h.check)' has no values")
    }

}
