import Foundation
import GameDayCore
import GameDayHTTP
import Hummingbird
import Logging
import NIOCore

/// Receives Alertmanager webhook notifications (`POST /`, also `/alerts` and `/webhook`) during a run.
///
/// Bodies over ``maxBodyBytes`` get 413, malformed ones 400, both without reaching `receive`; with a token, a request
/// without `Authorization: Bearer <token>` gets 401. It binds loopback unless a token is set (checked by ``start()``).
public actor AlertWebhookServer {
    public static let maxBodyBytes = 1024 * 1024

    private enum State {
        case idle
        case running(ServedApplication, address: String)
        case stopped
    }

    private let address: HostPort
    private let token: String?
    private let logger: Logger
    private let receive: @Sendable ([ObservedAlert]) async -> Void
    private var state = State.idle

    public init(address: HostPort, token: String?, logger: Logger, receive: @escaping @Sendable ([ObservedAlert]) async -> Void) {
        self.address = address; self.token = token; self.logger = logger; self.receive = receive
    }

    /// Binds and starts serving; returns the bound `HOST:PORT` (port 0 becomes the real port).
    public func start() async throws -> String {
        if case .running(_, let bound) = state { return bound }
        guard address.isLoopback || !(token ?? "").isEmpty else {
            throw AlertsError("the alert webhook \(address) is not on loopback; it needs a token (alerts.tokenEnv)")
        }
        let router = Router(context: BasicRequestContext.self)
        let handler = Self.handler(token: token, receive: receive)
        for path in ["/", "/alerts", "/webhook"] { router.post(RouterPath(path), use: handler) }
        let served: ServedApplication
        do {
            served = try await HTTPServing.start(router: router, host: address.host, port: address.port, logger: logger)
        } catch {
            state = .stopped
            throw AlertsError("cannot listen for alert webhooks on \(address): the address is in use or not local; pick another alerts.webhook")
        }
        let local = served.address.socketAddress
        let bound = HostPort(host: local?.ipAddress ?? "?", port: local?.port ?? 0).description
        state = .running(served, address: bound)
        return bound
    }

    /// Stops serving. Idempotent.
    public func stop() async {
        guard case .running(let served, _) = state else { state = .stopped; return }
        state = .stopped
        await served.stop()
    }

    private static func handler(token: String?, receive: @escaping @Sendable ([ObservedAlert]) async -> Void)
        -> @Sendable (Request, BasicRequestContext) async throws -> Response {
        { request, _ in
            if let token {
                guard request.headers[.authorization] == "Bearer \(token)" else {
                    return text(.unauthorized, "missing or wrong bearer token")
                }
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBodyBytes)
            } catch is NIOTooManyBytesError {
                return text(.contentTooLarge, "the body is larger than \(maxBodyBytes) bytes")
            }
            let alerts: [ObservedAlert]
            do {
                alerts = try AlertPayloads.webhook(Array(body.readableBytesView))
            } catch let error as AlertPayloadError {
                return text(.badRequest, error.description)
            }
            await receive(alerts)
            return text(.ok, "received \(alerts.count) alert(s)")
        }
    }

    private static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

/// Alerts could not be collected as the plan asks.
public struct AlertsError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
