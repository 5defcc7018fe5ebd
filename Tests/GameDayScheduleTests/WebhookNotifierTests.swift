import Foundation
import GameDayTestSupport
import GameDayCore
import GameDayEngine
import Logging
import Testing
@testable import GameDaySchedule
import GameDayCalendar

@Suite struct WebhookNotifierTests {
    /// A notification is POSTed as JSON; a failing answer is retried until it succeeds.
    @Test func postsAndRetries() async throws {
        let server = try HookServer(statuses: [500])
        defer { server.stop() }
        let notifier = WebhookNotifier(configuration: NotifyConfiguration(webhook: URL(string: "http://127.0.0.1:\(server.port)/hook")!,
                                                                          timeout: .seconds(10), retries: 2),
                                       logger: Logger(label: "test"))
        let sent = ScheduleNotification(event: .finish, decision: "2027-03-15/web", scenario: "web", plan: "/p/web.yaml",
                                        at: Fixture.utc("2027-03-15T10:30:00Z"), status: "held", runDir: "/runs/x",
                                        postmortem: "/runs/x/postmortem.md")
        await notifier.notify(sent)
        let bodies = server.received
        #expect(bodies.count == 2)
        let decoded = try JSONDecoder().decode(ScheduleNotification.self, from: try #require(bodies.last))
        #expect(decoded == sent)
        #expect(decoded.at == "2027-03-15T10:30:00Z")
    }

    /// The webhook's backoff is 0.5 s, 1 s, 2 s ... capped at 5 s, without jitter, for 1 + retries tries.
    @Test func backoffIsHalfSecondDoublingCappedAtFive() {
        let policy = WebhookNotifier.backoff(retries: 6)
        #expect(policy.maxAttempts == 7)
        var generator = SeededGenerator(seed: 1)
        #expect((0..<6).map { policy.delay(attempt: $0, using: &generator).milliseconds } == [500, 1000, 2000, 4000, 5000, 5000])
        #expect(WebhookNotifier.backoff(retries: -3).maxAttempts == 1)
    }

    /// An unreachable webhook is given up on after the bounded retries, without throwing.
    @Test func unreachableIsNotFatal() async throws {
        let server = try HookServer()
        let port = server.port
        server.stop()
        let notifier = WebhookNotifier(configuration: NotifyConfiguration(webhook: URL(string: "http://127.0.0.1:\(port)/hook")!,
                                                                          timeout: .seconds(2), retries: 1),
                                       logger: Logger(label: "test"))
        await notifier.notify(ScheduleNotification(event: .start, decision: "d", scenario: "s", plan: "p", at: Date()))
        #expect(server.received.isEmpty)
    }
}
