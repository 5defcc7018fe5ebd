import Foundation
import GameDayCore
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
