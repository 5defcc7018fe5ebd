import Foundation
import GameDayCore

/// Reads the answer of Prometheus' instant-query API (`GET /api/v1/query`) down to the one number a health check
/// judges. Pure: tested with canned bodies.
///
/// A success body is `{"status":"success","data":{"resultType":"vector","result":[{"metric":{..},"value":[ts,"1.5"]}]}}`
/// (or `"resultType":"scalar","result":[ts,"1.5"]`); an error body is
/// `{"status":"error","errorType":"bad_data","error":"..."}`, usually with HTTP 400, 422 or 503.
enum PrometheusResponse {
    /// The value, or why there is none.
    enum Outcome: Equatable {
        case value(Double)
        case failure(String)
    }

    /// Judges one finished response: its HTTP status and (possibly truncated) body.
    static func evaluate(status: Int, body: [UInt8], truncated: Bool, bodyLimit: Int) -> Outcome {
        if truncated {
            return .failure("the response is larger than \(bodyLimit / 1024) KiB; aggregate the query to one series")
        }
        let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        guard let object else {
            if !(200...299).contains(status) {
                return .failure("Prometheus answered HTTP \(status)" + snippet(body))
            }
            return .failure("the response is not Prometheus API JSON (is the url the Prometheus server?)" + snippet(body))
        }
        if object["status"] as? String == "error" {
            let kind = object["errorType"] as? String ?? "error"
            let message = object["error"] as? String ?? "no message"
            return .failure("PromQL \(kind): \(message)")
        }
        guard (200...299).contains(status) else { return .failure("Prometheus answered HTTP \(status)" + snippet(body)) }
        guard object["status"] as? String == "success", let data = object["data"] as? [String: Any],
              let type = data["resultType"] as? String else {
            return .failure("the response is not Prometheus API JSON (no status/data/resultType)")
        }
        switch type {
        case "scalar":
            guard let pair = data["result"] as? [Any] else { return .failure("a scalar result without a value") }
            return sampleValue(pair)
        case "vector":
            guard let series = data["result"] as? [[String: Any]] else { return .failure("a vector result that is not a list") }
            if series.isEmpty {
                return .failure("the query returned no series (empty result); check the metric names and labels")
            }
            if series.count > 1 {
                let labels = series.prefix(3).map { labelText($0["metric"]) }.joined(separator: ", ")
                return .failure("the query returned \(series.count) series (\(labels)\(series.count > 3 ? ", ..." : "")); "
                                + "a check needs exactly one: aggregate it, e.g. sum(...) or max(...)")
            }
            guard let pair = series[0]["value"] as? [Any] else { return .failure("a series without a value") }
            return sampleValue(pair)
        case "matrix":
            return .failure("the query returned a range vector (matrix); use an instant vector, e.g. rate(x[1m]) instead of x[1m]")
        default:
            return .failure("the query returned a \(type), not a number")
        }
    }

    /// `[timestamp, "value"]`: Prometheus sends sample values as strings ("1.5", "NaN", "+Inf").
    private static func sampleValue(_ pair: [Any]) -> Outcome {
        guard pair.count == 2, let text = pair[1] as? String else { return .failure("a sample that is not [time, \"value\"]") }
        switch text {
        case "+Inf", "Inf": return .value(.infinity)
        case "-Inf": return .value(-.infinity)
        case "NaN": return .value(.nan)
        default:
            guard let value = Double(text) else { return .failure("the sample value \"\(text)\" is not a number") }
            return .value(value)
        }
    }

    private static func labelText(_ metric: Any?) -> String {
        guard let labels = metric as? [String: Any] else { return "{}" }
        return "{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0] ?? "")\"" }.joined(separator: ",") + "}"
    }

    private static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? "" : ": \(text)"
    }

    /// `<base>/api/v1/query?query=<query>`, the query percent-encoded strictly (a `+` would read as a space).
    static func queryURL(base: String, query: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        let encoded = query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return "\(trimmed)/api/v1/query?query=\(encoded)"
    }
}
