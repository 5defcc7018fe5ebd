import Foundation
import GameDayCore
import GameDayEngine
import GameDayHTTP
import Logging
import Prometheus
import Synchronization
import ArgumentParser

/// `gameday run --metrics-listen ADDR`: the run's state as Prometheus metrics, derived from the journal stream (every
/// event the run records passes through ``observe(_:)``), so dashboards show faults beside the service's own graphs.
///
/// - `gameday_fault_active{run,step,fault,target}` 1 while a fault is applied, 0 before and after
/// - `gameday_run_phase{run,phase}` 1 for the current phase
/// - `gameday_check_healthy{run,check}` 1 healthy, 0 unhealthy or not yet known
/// - `gameday_probe_duration_seconds{run,check}` histogram of completed probes' durations
final class RunMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let runID: String
    private let faults = Mutex<[String: Gauge]>([:])
    private let phases: [Phase: Gauge]
    private let checks: [String: Gauge]
    private let durations: [String: ValueHistogram]

    init(start: RunStart) {
        runID = start.runID
        let registry = self.registry
        let run = start.runID
        phases = Dictionary(uniqueKeysWithValues: Phase.allCases.map { phase in
            (phase, registry.makeGauge(descriptor: Self.name("run_phase", help: "1 for the run's current phase (baseline, chaos, recovery)."),
                                       labels: [("run", run), ("phase", phase.rawValue)]))
        })
        checks = Dictionary(start.checks.map { check in
            (check.name, registry.makeGauge(descriptor: Self.name("check_healthy", help: "1 while the health check is healthy, 0 unhealthy or unknown."),
                                            labels: [("run", run), ("check", check.name)]))
        }, uniquingKeysWith: { a, _ in a })
        durations = Dictionary(start.checks.map { check in
            (check.name, registry.makeValueHistogram(
                descriptor: Self.name("probe_duration", unit: "seconds", help: "Durations of completed health probes."),
                labels: [("run", run), ("check", check.name)],
                buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5]))
        }, uniquingKeysWith: { a, _ in a })
        // Every scheduled fault exists at 0 from the start, so dashboards and annotations see it rise.
        for step in start.schedule.steps {
            for target in step.targets.isEmpty ? [nil] : step.targets.map(Optional.some) {
                _ = faultGauge(id: "\(step.index).\(target?.name ?? "controller")", step: step.name, fault: step.fault.kindName,
                               target: target?.name ?? "controller")
            }
        }
    }

    private func faultGauge(id: String, step: String, fault: String, target: String) -> Gauge {
        faults.withLock { gauges in
            if let gauge = gauges[id] { return gauge }
            let gauge = registry.makeGauge(descriptor: Self.name("fault_active", help: "1 while the step's fault is applied to the target."),
                                           labels: [("run", runID), ("step", step), ("fault", fault), ("target", target)])
            gauges[id] = gauge
            return gauge
        }
    }

    /// Updates the metrics from one journal event.
    func observe(_ body: EventBody) {
        switch body {
        case .phase(let change):
            for (phase, gauge) in phases { gauge.set(to: phase == change.phase ? 1.0 : 0.0) }
        case .injectBegin(let begin):
            _ = faultGauge(id: begin.faultID, step: begin.step, fault: begin.fault, target: begin.target)
        case .injectEnd(let outcome) where outcome.ok:
            faults.withLock { $0[outcome.faultID] }?.set(to: 1.0)
        case .revertEnd(let outcome) where outcome.ok:
            faults.withLock { $0[outcome.faultID] }?.set(to: 0.0)
        case .health(let transition):
            checks[transition.check]?.set(to: transition.to == .healthy ? 1.0 : 0.0)
        case .probe(let sample):
            if let ms = sample.ms, ms.isFinite { durations[sample.check]?.record(ms / 1000) }
        default:
            break
        }
    }

    static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gameday", metricName: name, unitName: unit, helpText: help)
    }
}

/// Serves `GET /metrics` for a run on a loopback address until stopped.
actor RunMetricsServer {
    private var served: ServedApplication?

    /// Binds `address` (loopback only) and returns the bound `HOST:PORT`.
    func start(address text: String, metrics: RunMetrics, logger: Logger) async throws -> String {
        let address: HostPort
        do { address = try HostPort(parsing: text) } catch {
            throw ValidationError("--metrics-listen must be HOST:PORT such as 127.0.0.1:9464, found '\(text)'")
        }
        guard address.isLoopback else {
            throw ValidationError("--metrics-listen \(text) is not a loopback address; scrape through 127.0.0.1 (or a local agent)")
        }
        let registry = metrics.registry
        let router = HTTPServing.metricsRouter { registry.emitToBuffer() }
        let served: ServedApplication
        do {
            served = try await HTTPServing.start(router: router, host: address.host, port: address.port, logger: logger)
        } catch {
            throw ValidationError("cannot listen for metrics on \(text): the address is in use; pick another --metrics-listen")
        }
        self.served = served
        return HostPort(host: served.address.ipAddress ?? address.host, port: served.address.port).description
    }

    func stop() async {
        await served?.stop()
        served = nil
    }
}
