import Prometheus

/// One proxy's Prometheus series (all labelled `proxy="<name>"`, named `gameday_proxy_*`).
final class ProxyMetrics: Sendable {
    let connections: Counter
    let activeConnections: Gauge
    let upstreamBytes: Counter
    let downstreamBytes: Counter
    let upstreamFailures: Counter
    let refusedConnections: Counter
    private let registry: PrometheusCollectorRegistry
    private let proxy: String

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gameday", subsystem: "proxy", metricName: metric, unitName: unit, helpText: help)
    }

    init(registry: PrometheusCollectorRegistry, proxy: String) {
        self.registry = registry
        self.proxy = proxy
        connections = registry.makeCounter(
            descriptor: Self.name("connections", "total", "Client connections accepted by the proxy."),
            labels: [("proxy", proxy)])
        activeConnections = registry.makeGauge(
            descriptor: Self.name("active", "connections", "Client connections currently open through the proxy."),
            labels: [("proxy", proxy)])
        let bytes = Self.name("bytes", "total", "Bytes relayed by the proxy, per stream.")
        upstreamBytes = registry.makeCounter(descriptor: bytes, labels: [("proxy", proxy), ("stream", "upstream")])
        downstreamBytes = registry.makeCounter(descriptor: bytes, labels: [("proxy", proxy), ("stream", "downstream")])
        upstreamFailures = registry.makeCounter(
            descriptor: Self.name("upstream_connect_failures", "total", "Upstream connections that could not be opened."),
            labels: [("proxy", proxy)])
        refusedConnections = registry.makeCounter(
            descriptor: Self.name("refused_connections", "total", "Client connections closed at once because the proxy had its maximum open."),
            labels: [("proxy", proxy)])
    }

    /// The counter of firings of one toxic.
    func fired(toxic: String, type: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("toxic_fired", "total", "Times a toxic acted (per connection, or per request for http_error)."),
            labels: [("proxy", proxy), ("toxic", toxic), ("type", type)])
    }
}
