import Foundation
import Testing
import GameDayTestSupport

/// Detection by alerts end to end, with real parts only: a real Prometheus scrapes a replica (python's http.server),
/// a real `up == 0` rule routes through a real Alertmanager to `gameday run`'s webhook receiver, and a Prometheus
/// check reads the same Prometheus. Everything listens on free loopback ports and is removed afterwards.
@Suite(.serialized) struct ObservabilityTests {
    @Test(.timeLimit(.minutes(3))) func alertsCatchNodeLossAndMissTheInvisibleStep() async throws {
        let dir = try temporaryDirectory("observability")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/replica", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/quiet", withIntermediateDirectories: true)
        try "replica_requests_total 1\n".write(toFile: dir + "/replica/metrics", atomically: true, encoding: .utf8)
        let replica = try Upstream(directory: dir + "/replica")
        defer { kill(replica.process.processIdentifier, SIGCONT); replica.stop() }
        let quiet = try Upstream(directory: dir + "/quiet")
        defer { kill(quiet.process.processIdentifier, SIGCONT); quiet.stop() }
        try "\(replica.process.processIdentifier)\n".write(toFile: dir + "/replica.pid", atomically: true, encoding: .utf8)
        try "\(quiet.process.processIdentifier)\n".write(toFile: dir + "/quiet.pid", atomically: true, encoding: .utf8)
        let webhookPort = try freeLoopbackPort()
        let metricsPort = try freeLoopbackPort()

        let alertmanager = try await MonitoringServer(.alertmanager, configuration: """
            route: { receiver: gameday, group_by: [alertname, instance], group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
            receivers:
              - name: gameday
                webhook_configs: [{ url: "http://127.0.0.1:\(webhookPort)/", send_resolved: true }]
            """, name: "obs-am")
        defer { alertmanager.stop() }
        let prometheus = try await MonitoringServer(.prometheus, configuration: """
            global: { scrape_interval: 1s, scrape_timeout: 500ms, evaluation_interval: 1s }
            rule_files: [rules.yml]
            alerting: { alertmanagers: [{ static_configs: [{ targets: ["127.0.0.1:\(alertmanager.port)"] }] }] }
            scrape_configs:
              - job_name: replica
                static_configs: [{ targets: ["127.0.0.1:\(replica.port)"] }]
              - job_name: gameday
                static_configs: [{ targets: ["127.0.0.1:\(metricsPort)"] }]
            """, rules: """
            groups:
              - name: gameday-test
                interval: 1s
                rules:
                  - alert: ReplicaDown
                    expr: up{job="replica"} == 0
                    labels: { severity: page }
            """, name: "obs-prom")
        defer { prometheus.stop() }
        // The replica must be scraped up before the game day starts, or "down" would mean "not yet scraped".
        let scraped = await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            MonitoringServer.get(prometheus.url + "/api/v1/query?query=up%7Bjob%3D%22replica%22%7D%3D%3D1")?.body.contains("\"value\"") == true
        }
        try #require(scraped, "Prometheus never scraped the replica: \(prometheus.logTail())")

        try """
        version: 1
        name: alert-coverage
        targets:
          - { name: replica, address: 127.0.0.1, process: { pidFile: "\(dir)/replica.pid" } }
          - { name: quiet, address: 127.0.0.1, process: { pidFile: "\(dir)/quiet.pid" } }
        health:
          - name: replica-down-ratio
            prometheus:
              url: \(prometheus.url)
              query: 1 - avg(up{job="replica"})
              healthyBelow: 0.5
            interval: 500ms
            failuresToUnhealthy: 1
            successesToHealthy: 1
        hypothesis:
          - { check: replica-down-ratio, valueBelow: 0.5, phases: [baseline] }
        alerts:
          webhook: 127.0.0.1:\(webhookPort)
          alertmanager: \(alertmanager.url)
          matchers: ['severity=~"page|ticket"']
          pollInterval: 500ms
        timeline: { baseline: 2s, recovery: 5s }
        steps:
          - { name: lose-replica, at: 0s, duration: 8s, fault: node-loss, targets: [replica], with: { signal: STOP } }
          - { name: invisible, at: 14s, duration: 3s, fault: node-loss, targets: [quiet], with: { signal: STOP } }
        """.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)

        let run = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input",
                                                "--metrics-listen", "127.0.0.1:\(metricsPort)"], timeout: .seconds(120))
        #expect(run.status == 0, "exit \(run.status): \(run.stderr.suffix(3000))")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let postmortem = try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8)
        let lines = postmortem.split(separator: "\n").map(String.init)
        let caught = try #require(lines.first { $0.hasPrefix("| lose-replica | node-loss | ReplicaDown") }, "\(postmortem)")
        let cells = caught.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        // Scrape 1 s + timeout 0.5 s + rule 1 s + Alertmanager group_wait 0 s: a few seconds from inject to alert.
        let timeToAlert = try #require(cells.count > 3 ? cells[3] : nil)
        #expect(timeToAlert.hasSuffix("s") && timeToAlert != "—", "\(caught)")
        #expect(lines.contains { $0.hasPrefix("| invisible | node-loss | **no alert fired** |") }, "\(postmortem)")
        #expect(postmortem.contains("Alerts caught 1 of 2 injected steps."))
        #expect(postmortem.contains("no alert fired for invisible."))
        // The Prometheus check saw the replica go down: its values rose to 1 in the chaos phase.
        #expect(lines.contains { $0.hasPrefix("| replica-down-ratio | chaos |") && $0.hasSuffix("| 0 | 1 |") }, "\(postmortem)")
        #expect(lines.contains { $0.hasPrefix("| replica-down-ratio | baseline |") && $0.hasSuffix("| 0 | 0 |") })
        let events = journalLines(runDir)
        #expect(events.first?["type"] as? String == "run.start", "alerts wait for run.start")
        let firing = events.filter { $0["type"] as? String == "alert" && $0["status"] as? String == "firing" }
        #expect(firing.contains { $0["name"] as? String == "ReplicaDown" && !($0["fingerprint"] as? String ?? "").isEmpty
                                  && ($0["labels"] as? [String: String])?["severity"] == "page" })
        #expect(events.contains { $0["type"] as? String == "probe" && $0["check"] as? String == "replica-down-ratio" && $0["value"] as? Double == 1 })
        // Faults on dashboards: Prometheus itself scraped gameday_fault_active = 1 during the fault, 0 around it.
        let query = "max_over_time(gameday_fault_active%7Bstep%3D%22lose-replica%22%7D%5B5m%5D)"
        let active = MonitoringServer.get(prometheus.url + "/api/v1/query?query=" + query)?.body ?? ""
        #expect(active.contains(#""target":"replica""#) && active.contains(#","1"]"#), "\(active)")
        let now = MonitoringServer.get(prometheus.url + "/api/v1/query?query=last_over_time(gameday_fault_active%5B5m%5D)")?.body ?? ""
        #expect(now.contains(#""step":"invisible""#) && !now.contains(#","1"]"#), "every fault was 0 at the last scrape: \(now)")
        let phase = MonitoringServer.get(prometheus.url + "/api/v1/query?query=max_over_time(gameday_run_phase%7Bphase%3D%22chaos%22%7D%5B5m%5D)")?.body ?? ""
        #expect(phase.contains(#","1"]"#), "\(phase)")
    }

    /// --metrics-listen serves loopback only and a port in use stops the run before anything is touched (exit 2).
    @Test func metricsListenRefusesNonLoopbackAndBusyPorts() async throws {
        let dir = try temporaryDirectory("metrics-listen")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
        version: 1
        name: metrics-listen
        targets: [{ name: box, address: 127.0.0.1 }]
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - { name: nothing, at: 0s, duration: 1s, fault: command, targets: [box], with: { inject: [/bin/true], revert: [/bin/true] } }
        """.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let remote = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input", "--dry-run",
                                                   "--metrics-listen", "0.0.0.0:9464"], timeout: .seconds(60))
        #expect(remote.status == 2 && remote.stderr.contains("is not a loopback address"), "\(remote.status): \(remote.stderr)")
        let busy = try MonitoringServer.binary(.prometheus) == nil ? nil : await MonitoringServer(.prometheus, configuration: "{}\n", name: "busy-port")
        defer { busy?.stop() }
        if let busy {
            let taken = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input", "--dry-run",
                                                      "--metrics-listen", "127.0.0.1:\(busy.port)"], timeout: .seconds(60))
            #expect(taken.status == 2 && taken.stderr.contains("cannot listen for metrics"), "\(taken.status): \(taken.stderr)")
        }
    }
}
