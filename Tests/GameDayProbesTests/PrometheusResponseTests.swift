import Foundation
import GameDayCore
@testable import GameDayProbes
import Testing

struct PrometheusResponseTests {
    private func evaluate(_ body: String, status: Int = 200, truncated: Bool = false) -> PrometheusResponse.Outcome {
        PrometheusResponse.evaluate(status: status, body: Array(body.utf8), truncated: truncated, bodyLimit: 1024 * 1024)
    }

    private func failure(_ outcome: PrometheusResponse.Outcome) -> String {
        if case .failure(let reason) = outcome { return reason }
        return "not a failure: \(outcome)"
    }

    /// A one-series vector and a scalar give their value; Prometheus' string-encoded specials are understood.
    @Test func values() {
        #expect(evaluate(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.25"]}]}}"#) == .value(0.25))
        #expect(evaluate(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"3"]}}"#) == .value(3))
        #expect(evaluate(#"{"status":"success","data":{"resultType":"scalar","result":[1,"+Inf"]}}"#) == .value(.infinity))
        guard case .value(let nan) = evaluate(#"{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}"#) else {
            Issue.record("NaN is a value"); return
        }
        #expect(nan.isNaN)
    }

    /// Every way a query can fail to give one number is a failure whose reason says what to do.
    @Test func failures() {
        #expect(failure(evaluate(#"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#, status: 400))
                == "PromQL bad_data: parse error at char 5")
        #expect(failure(evaluate(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#)).contains("no series"))
        let many = failure(evaluate(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[1,"1"]},{"metric":{"job":"b"},"value":[1,"2"]}]}}"#))
        #expect(many.contains("returned 2 series ({job=\"a\"}, {job=\"b\"})") && many.contains("sum(...)"), "\(many)")
        #expect(failure(evaluate(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)).contains("range vector"))
        #expect(failure(evaluate("<html>gateway down</html>", status: 502)) == "Prometheus answered HTTP 502: <html>gateway down</html>")
        #expect(failure(evaluate("hello")).contains("not Prometheus API JSON"))
        #expect(failure(evaluate("{}", truncated: true)).contains("larger than 1024 KiB"))
        #expect(failure(evaluate(#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#)) == "the query returned a string, not a number")
    }

    /// The query is percent-encoded strictly: `+`, spaces, braces and quotes survive the trip to Prometheus.
    @Test func queryURL() {
        #expect(PrometheusResponse.queryURL(base: "http://127.0.0.1:9090/", query: #"a{x="1"} + 2"#)
                == "http://127.0.0.1:9090/api/v1/query?query=a%7Bx%3D%221%22%7D%20%2B%202")
    }

    /// healthyBelow / healthyAbove judge values, NaN never healthy, with the value in the reason.
    @Test func judge() {
        let below = PrometheusCheck(url: "http://p", query: "q", healthyBelow: 0.01)
        #expect(below.judge(0.001) == nil)
        #expect(below.judge(0.01) == "value 0.01 is not below 0.01")
        #expect(below.judge(.nan) == "value is NaN")
        let above = PrometheusCheck(url: "http://p", query: "q", healthyAbove: 2)
        #expect(above.judge(3) == nil)
        #expect(above.judge(1.5) == "value 1.5 is not above 2")
        #expect(PrometheusCheck.format(0.3333333333) == "0.333333")
    }
}
