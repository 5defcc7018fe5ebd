import Foundation
import Hummingbird
import Prometheus

/// The demo services' own Prometheus metrics (`GET /metrics`), so a real Prometheus can watch the demo fleet the way a
/// team watches its services: `http_requests_total{path,code}` and `http_request_duration_seconds{path}`.
public final class DemoMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    /// Runs `handler`, counting its response by status code and timing it.
    func measure(path: String, _ handler: () async -> Response) async -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let response = await handler()
        let elapsed = clock.now - started
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "Requests served, by path and status code."),
                             labels: [("path", path), ("code", String(response.status.code))]).increment()
        registry.makeDurationHistogram(descriptor: MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "Time to serve a request."),
                                       labels: [("path", path)],
                                       buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                                 .milliseconds(200), .milliseconds(300), .milliseconds(500), .seconds(1), .seconds(2)])
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }

    /// The text exposition of every metric.
    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
