import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayCore
import GameDayEngine
import Logging
import GameDayCalendar

/// What a webhook receives (POSTed as JSON).
public struct ScheduleNotification: Sendable, Codable, Equatable {
    public enum Event: String, Sendable, Codable { case start, abort, finish }
    public var event: Event
    public var decision: String
    public var scenario: String
    public var plan: String
    /// ISO 8601 UTC.
    public var at: String
    public var status: String?
    public var reason: String?
    public var runDir: String?
    public var postmortem: String?

    public init(event: Event, decision: String, scenario: String, plan: String, at: Date, status: String? = nil,
                reason: String? = nil, runDir: String? = nil, postmortem: String? = nil) {
        self.event = event; self.decision = decision; self.scenario = scenario; self.plan = plan
        self.at = ISO8601DateFormatter().string(from: at); self.status = status; self.reason = reason
        self.runDir = runDir; self.postmortem = postmortem
    }
}

/// Sends notifications somewhere.
public protocol ScheduleNotifying: Sendable {
    func notify(_ notification: ScheduleNotification) async
}

/// POSTs notifications as JSON to a webhook, with a bounded timeout and retries. Failures are logged, never fatal:
/// a broken webhook must not stop a revert or a run's bookkeeping.
public struct WebhookNotifier: ScheduleNotifying {
    public var configuration: NotifyConfiguration
    public var logger: Logger

    public init(configuration: NotifyConfiguration, logger: Logger) { self.configuration = configuration; self.logger = logger }

    public func notify(_ notification: ScheduleNotification) async {
        guard let body = try? JSONEncoder().encode(notification) else { return }
        var request = URLRequest(url: configuration.webhook, timeoutInterval: configuration.timeout.seconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = body
        let policy = Self.backoff(retries: configuration.retries)
        let attempts = policy.maxAttempts
        let event = notification.event.rawValue
        do {
            try await retrying(policy, clock: SystemRunClock(), jitter: Jitter(seed: 0), keepsTryingWhenCancelled: true) { attempt in
                do {
                    let (_, response) = try await URLSession.shared.data(for: request)
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    if (200..<300).contains(status) { return }
                    logger.warning("webhook answered \(status)", metadata: ["event": "\(event)", "attempt": "\(attempt + 1)"])
                    throw WebhookRejected(status: status)
                } catch let error as WebhookRejected {
                    throw error
                } catch {
                    logger.warning("webhook failed: \(error)", metadata: ["event": "\(event)", "attempt": "\(attempt + 1)"])
                    throw error
                }
            }
            return
        } catch {}
        logger.error("webhook gave up after \(attempts) attempts", metadata: ["event": "\(event)",
                                                                               "decision": "\(notification.decision)"])
    }

    /// The webhook's retries: 0.5 s, 1 s, 2 s ... capped at 5 s, without jitter (one client, no herd to spread).
    public static func backoff(retries: Int) -> BackoffPolicy {
        BackoffPolicy(maxAttempts: 1 + max(0, retries), base: .milliseconds(500), cap: .seconds(5), spread: .none)
    }
}

/// A webhook answered with a status outside 2xx.
private struct WebhookRejected: Error { var status: Int }
