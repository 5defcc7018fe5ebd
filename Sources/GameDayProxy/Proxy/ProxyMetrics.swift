import Prometheus

/// One proxy's Prometheus series (all labelled `proxy="<name>"`).
final class ProxyMetrics: Sendable {
    let connections: Counter
    let activeConnections: Gauge
    let upstreamBytes: Counter
    let downstreamBytes: Counter
    let upstreamFailures: Counter
    private let registry: PrometheusCollectorRegistry
    private let proxy: String

    init(registry: PrometheusCollectorRegistry, proxy: String) {
        self.registry = registry
        self.proxy = proxy
        connections = registry.makeCounter(
            name: "gameday_proxy_connections_total", labels: [("proxy", proxy)],
            help: "Client connections accepted by the proxy.")
        activeConnections = registry.makeGauge(
            name: "gameday_proxy_active_connections", labels: [("proxy", proxy)],
            help: "Client connections currently open through the proxy.")
        upstreamBytes = registry.makeCounter(
            name: "gameday_proxy_bytes_total", labels: [("proxy", proxy), ("stream", "upstream")],
            help: "Bytes relayed by the proxy, per stream.")
        downstreamBytes = registry.makeCounter(
            name: "gameday_proxy_bytes_total", labels: [("proxy", proxy), ("stream", "downstream")],
            help: "Bytes relayed by the proxy, per stream.")
        upstreamFailures = registry.makeCounter(
            name: "gameday_proxy_upstream_connect_failures_total", labels: [("proxy", proxy)],
            help: "Upstream connections that could not be opened.")
    }

    /// The counter of firings of one toxic.
    func fired(toxic: String, type: String) -> Counter {
        registry.makeCounter(
            name: "gameday_proxy_toxic_fired_total", labels: [("proxy", proxy), ("toxic", toxic), ("type", type)],
            help: "Times a toxic acted (per connection, or per request for http_error).")
    }
}
