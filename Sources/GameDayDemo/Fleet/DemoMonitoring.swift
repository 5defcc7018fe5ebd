#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Logging

/// A real Prometheus and Alertmanager for the demo (Debian's `prometheus` and `prometheus-alertmanager`), on free
/// loopback ports with configuration and data in a temporary directory: Prometheus scrapes the replicas, the balancer
/// and the run's `--metrics-listen`; a `ReplicaDown` rule (`up{job="replicas"} == 0`) routes through Alertmanager to
/// the run's alert webhook. ``stop()`` stops both (only the pids it started) and removes the directory.
public struct DemoMonitoring: Sendable {
    public static let prometheusBinary = "/usr/bin/prometheus"
    public static let alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

    public let prometheusURL: String
    public let alertmanagerURL: String
    /// `127.0.0.1:PORT` the run's alert webhook must listen on.
    public let webhook: String
    /// `127.0.0.1:PORT` the run's `--metrics-listen` must use.
    public let runMetrics: String
    private let pids: [Int32]
    private let directory: String

    /// Whether both binaries are installed.
    public static var installed: Bool {
        ChildProcess.isExecutable(prometheusBinary) && ChildProcess.isExecutable(alertmanagerBinary)
    }

    /// Starts Alertmanager, then Prometheus, and waits (up to 30 s) until both are ready and the replicas are scraped.
    public static func start(directory: String, replicas: [Int], balancer: Int, logger: Logger) async throws -> DemoMonitoring {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let ports = try FreePorts.pick(4)
        let (prometheusPort, alertmanagerPort, webhookPort, metricsPort) = (ports[0], ports[1], ports[2], ports[3])
        try """
        route: { receiver: gameday, group_by: [alertname, instance], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
        receivers:
          - name: gameday
            webhook_configs: [{ url: "http://127.0.0.1:\(webhookPort)/", send_resolved: true }]
        """.write(toFile: directory + "/alertmanager.yml", atomically: true, encoding: .utf8)
        try """
        groups:
          - name: demo
            interval: 1s
            rules:
              - alert: ReplicaDown
                expr: up{job="replicas"} == 0
                labels: { severity: page }
                annotations: { summary: "replica {{ $labels.instance }} is not answering scrapes" }
        """.write(toFile: directory + "/rules.yml", atomically: true, encoding: .utf8)
        let replicaTargets = replicas.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", ")
        try """
        global: { scrape_interval: 1s, scrape_timeout: 500ms, evaluation_interval: 1s }
        rule_files: [rules.yml]
        alerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:\(alertmanagerPort)"] }] }] }
        scrape_configs:
          - { job_name: replicas, static_configs: [{ targets: [\(replicaTargets)] }] }
          - { job_name: balancer, static_configs: [{ targets: ["127.0.0.1:\(balancer)"] }] }
          - { job_name: gameday, static_configs: [{ targets: ["127.0.0.1:\(metricsPort)"] }] }
        """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        var pids: [Int32] = []
        do {
            pids.append(try ChildProcess.spawn(executable: alertmanagerBinary, arguments: [
                "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/alertmanager",
                "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=", "--log.level=warn",
            ], logFile: directory + "/alertmanager.log"))
            pids.append(try ChildProcess.spawn(executable: prometheusBinary, arguments: [
                "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/prometheus",
                "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn",
            ], logFile: directory + "/prometheus.log"))
            let monitoring = DemoMonitoring(prometheusURL: "http://127.0.0.1:\(prometheusPort)",
                                            alertmanagerURL: "http://127.0.0.1:\(alertmanagerPort)",
                                            webhook: "127.0.0.1:\(webhookPort)", runMetrics: "127.0.0.1:\(metricsPort)",
                                            pids: pids, directory: directory)
            let client = DemoHTTPClient()
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            var ready = false
            while clock.now < deadline, !ready {
                let query = "/api/v1/query?query=count(up%7Bjob%3D%22replicas%22%7D%3D%3D1)"
                let am = try? await client.get(host: "127.0.0.1", port: alertmanagerPort, path: "/-/ready", timeout: .seconds(1))
                let up = try? await client.get(host: "127.0.0.1", port: prometheusPort, path: query, timeout: .seconds(1))
                ready = am?.status == 200 && (up?.body.contains("\"\(replicas.count)\"]") ?? false)
                if !ready { try await Task.sleep(for: .milliseconds(200)) }
            }
            guard ready else {
                throw DemoFleetError.serverFailedToStart(component: "prometheus/alertmanager",
                                                         reason: "not ready after 30 s; see \(directory)/*.log")
            }
            return monitoring
        } catch {
            await DemoMonitoring(prometheusURL: "", alertmanagerURL: "", webhook: "", runMetrics: "", pids: pids, directory: directory).stop()
            throw error
        }
    }

    private static func isTerminal(_ status: ChildStatus) -> Bool {
        switch status {
        case .exited, .killed, .vanished: return true
        default: return false
        }
    }

    /// SIGCONT + SIGTERM to both, SIGKILL after 5 s, reaped; the directory removed.
    public func stop() async {
        for pid in pids { ChildProcess.send(SIGCONT, to: pid); ChildProcess.send(SIGTERM, to: pid) }
        for pid in pids {
            var gone = false
            for _ in 0..<100 where !gone {
                if let status = ChildProcess.poll(pid), Self.isTerminal(status) { gone = true } else { try? await Task.sleep(for: .milliseconds(50)) }
            }
            if !gone {
                ChildProcess.send(SIGKILL, to: pid)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
