import Foundation
import GameDayHTTP
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import GameDayCalendar
import GameDayCore

/// The scheduler's Prometheus metrics: decisions, runs by status, skips by reason, aborts by reason, faults active.
public struct ScheduleMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let decisions: Counter
    private let runsInProgress: Gauge
    private let faultsActive: Gauge
    private let paused: Gauge
    /// `gameday_fault_active{run,step,fault,target}` per fault of the current run, the same series `gameday run
    /// --metrics-listen` serves, so one dashboard query shows scheduled and manual game days alike.
    private let faultGauges = FaultGauges()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        decisions = registry.makeCounter(descriptor: Self.name("decisions", unit: "total",
                                                                 help: "Scenarios drawn for a day (planned or skipped at planning)."))
        runsInProgress = registry.makeGauge(descriptor: Self.name("runs_in_progress", help: "Runs going right now (0 or 1)."))
        faultsActive = registry.makeGauge(descriptor: Self.name("faults_active",
                                                                help: "Faults the current run has applied and not yet reverted, per its journal."))
        paused = registry.makeGauge(descriptor: Self.name("paused", help: "1 while the scheduler is paused."))
        // Every label value exists from the start, so dashboards and alerts see zeros rather than gaps.
        for reason in SkipReason.allCases { _ = skipCounter(reason) }
        for reason in AbortReason.allCases { _ = abortCounter(reason) }
    }

    /// Counts scenarios drawn for a day.
    public func decided(_ count: Int) { if count > 0 { decisions.increment(by: Int64(count)) } }

    /// Counts a decision that did not start.
    public func skipped(_ reason: SkipReason) { skipCounter(reason).increment() }

    /// Counts a run the scheduler aborted.
    public func aborted(_ reason: AbortReason) { abortCounter(reason).increment() }

    /// Counts a finished run by its final status.
    public func runFinished(_ status: DecisionStatus) {
        registry.makeCounter(descriptor: Self.name("runs", unit: "total", help: "Runs by final status (held, violated, aborted, revert-failed, ...)."),
                             labels: [("status", status.rawValue)]).increment()
    }

    /// Gauges: run in progress, faults active, paused.
    public func setRunInProgress(_ running: Bool) { runsInProgress.set(to: running ? 1.0 : 0.0) }
    public func setFaultsActive(_ count: Int) { faultsActive.set(to: Double(count)) }
    public func setPaused(_ value: Bool) { paused.set(to: value ? 1.0 : 0.0) }

    /// Sets `gameday_fault_active` for every fault the run's journal shows so far: 1 from its `inject.begin` while
    /// it may be applied, 0 once reverted (or once its inject failed).
    public func setFaults(run: String, ledger: FaultLedger) {
        for entry in ledger.entries {
            let begin = entry.begin
            let gauge = faultGauges.gauge(for: "\(run)/\(begin.faultID)") {
                registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "gameday", metricName: "fault_active",
                                                                    helpText: "1 while a fault is applied, 0 before and after."),
                                   labels: [("run", run), ("step", begin.step), ("fault", begin.fault), ("target", begin.target)])
            }
            gauge.set(to: entry.isApplied ? 1.0 : 0.0)
        }
    }

    private func skipCounter(_ reason: SkipReason) -> Counter {
        registry.makeCounter(descriptor: Self.name("skips", unit: "total", help: "Decisions that did not start, by reason."),
                             labels: [("reason", reason.rawValue)])
    }

    private func abortCounter(_ reason: AbortReason) -> Counter {
        registry.makeCounter(descriptor: Self.name("aborts", unit: "total", help: "Runs the scheduler aborted, by reason."),
                             labels: [("reason", reason.rawValue)])
    }

    /// `gameday_schedule_<name>[_<unit>]`.
    static func name(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "gameday", subsystem: "schedule", metricName: name, unitName: unit, helpText: help)
    }

    /// The text exposition format.
    public func render() -> String { registry.emitToString() }

    /// An HTTP service serving `GET /metrics` on a loopback address.
    ///
    /// - Parameter onListening: receives the bound port (useful with port 0).
    public func server(host: String, port: Int, logger: Logger,
                       onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        let registry = self.registry
        return HTTPServing.application(router: HTTPServing.metricsRouter { registry.emitToBuffer() }, host: host, port: port,
                                       serverName: "gameday-schedule", logger: logger) { bound in await onListening(bound.port) }
    }
}

/// The per-fault gauges made so far, by run and fault id.
private final class FaultGauges: Sendable {
    private let gauges = Mutex<[String: Gauge]>([:])
    func gauge(for key: String, make: () -> Gauge) -> Gauge {
        gauges.withLock { all in
            if let gauge = all[key] { return gauge }
            let gauge = make()
            all[key] = gauge
            return gauge
        }
    }
}
