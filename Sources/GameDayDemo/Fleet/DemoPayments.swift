import GameDayHTTP
import Hummingbird
import Logging
import ServiceLifecycle

/// The demo's "payments" dependency: `GET /pay` answers 200 `paid` at once, `GET /health` answers 200 `ok`.
///
/// It runs inside the fleet controller; in the demo, replicas reach it through a gameday fault proxy so a plan
/// can slow it down or break it.
public enum DemoPayments {
    /// The HTTP server on `127.0.0.1:port` (0 picks a free port); `onRunning` receives the bound port.
    public static func makeApplication(port: Int, logger: Logger,
                                       onRunning: @escaping @Sendable (Int) async -> Void) -> some Service {
        HTTPServing.application(router: router(), host: "127.0.0.1", port: port, serverName: serverName,
                                logger: logger) { bound in await onRunning(bound.port) }
    }

    /// Starts the server on `127.0.0.1:port` in the background; returns once it listens.
    static func start(port: Int, logger: Logger) async throws -> ServedApplication {
        try await HTTPServing.start(router: router(), host: "127.0.0.1", port: port, serverName: serverName, logger: logger)
    }

    private static let serverName = "gameday-demo-payments"

    private static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("pay") { _, _ in "paid" }
        router.get("health") { _, _ in "ok" }
        return router
    }
}
