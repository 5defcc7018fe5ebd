import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayCore
import GameDayEngine
import Logging

/// Collects a run's alerts as its plan's `alerts:` section says: a webhook receiver and/or an Alertmanager API v2
/// poller, both feeding one ``AlertTracker``; every firing and resolved matching alert, and every time a source stops
/// or starts working, becomes a journal event through `recorder`.
public actor AlertCollector {
    private let spec: AlertsSpec
    private let recorder: any EventRecorder
    private let logger: Logger
    private let token: String?
    private var tracker: AlertTracker
    private var webhook: AlertWebhookServer?
    private var poller: Task<Void, Never>?
    private var apiAvailable = true
    /// Events wait here until the run's `run.start` is journaled (``arm()``), so the journal still opens with it.
    private var armed = false
    private var pending: [EventBody] = []

    /// Reads the webhook token from `environment[spec.tokenEnv]`; throws when it is named but not set.
    public init(spec: AlertsSpec, recorder: any EventRecorder, environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger) throws {
        self.spec = spec
        self.recorder = recorder
        self.logger = logger
        tracker = AlertTracker(matchers: spec.matchers)
        if let variable = spec.tokenEnv {
            guard let value = environment[variable], !value.isEmpty else {
                throw AlertsError("alerts.tokenEnv names $\(variable), which is not set; export the webhook token before the run")
            }
            token = value
        } else {
            token = nil
        }
    }

    /// Starts the webhook receiver (returns its bound address) and the API poller.
    @discardableResult
    public func start() async throws -> String? {
        var bound: String?
        if let text = spec.webhook {
            let address = try HostPort(parsing: text)
            let server = AlertWebhookServer(address: address, token: token, logger: logger) { [weak self] alerts in
                await self?.received(alerts)
            }
            bound = try await server.start()
            webhook = server
        }
        if let base = spec.alertmanager {
            let interval = spec.pollInterval
            poller = Task { [weak self] in
                while !Task.isCancelled {
                    await self?.pollOnce(base: base, timeout: min(interval, .seconds(5)))
                    try? await Task.sleep(for: interval.duration)
                }
            }
        }
        return bound
    }

    /// Stops the poller and the receiver. Idempotent.
    public func stop() async {
        poller?.cancel()
        _ = await poller?.value
        poller = nil
        await webhook?.stop()
        webhook = nil
    }

    func received(_ alerts: [ObservedAlert]) async {
        for event in tracker.webhook(alerts) { await record(.alert(event)) }
    }

    /// One poll of `GET <base>/api/v2/alerts?active=true&silenced=false&inhibited=false`.
    func pollOnce(base: String, timeout: TimeSpan) async {
        var trimmed = base
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed + "/api/v2/alerts?active=true&silenced=false&inhibited=false") else { return }
        var request = URLRequest(url: url)
        request.timeoutInterval = max(0.2, timeout.seconds)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let outcome: Result<[ObservedAlert], AlertsError>
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status != 200 {
                outcome = .failure(AlertsError("HTTP \(status)"))
            } else {
                do { outcome = .success(try AlertPayloads.apiAlerts(Array(data))) } catch { outcome = .failure(AlertsError(error.description)) }
            }
        } catch {
            outcome = .failure(AlertsError((error as NSError).localizedDescription))
        }
        switch outcome {
        case .success(let alerts):
            if !apiAvailable {
                apiAvailable = true
                await record(.alertSource(AlertSourceStatus(source: .api, available: true)))
            }
            for event in tracker.poll(alerts) { await record(.alert(event)) }
        case .failure(let error):
            // Nothing resolves while the API is down: an absent answer is not an empty one.
            if apiAvailable {
                apiAvailable = false
                logger.warning("Alertmanager API unavailable", metadata: ["url": "\(url)", "reason": "\(error)"])
                await record(.alertSource(AlertSourceStatus(source: .api, available: false, reason: "\(trimmed): \(error)")))
            }
        }
    }

    /// Lets events through to the journal (after `run.start`), flushing what arrived before.
    public func arm() async {
        guard !armed else { return }
        armed = true
        let held = pending
        pending = []
        for body in held { await record(body) }
    }

    private func record(_ body: EventBody) async {
        guard armed else { pending.append(body); return }
        do { try await recorder.record(body) } catch {
            logger.warning("could not journal an alert event", metadata: ["error": "\(error)"])
        }
    }
}
