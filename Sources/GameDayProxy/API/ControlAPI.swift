import Foundation
import GameDayCore
import Hummingbird
import NIOCore
import Prometheus

/// The Toxiproxy-compatible control API: routes, JSON shapes, status codes and error bodies of Toxiproxy 2.x, plus
/// `GET /metrics` (Prometheus) and bearer-token authentication when a token is set.
struct ControlAPI: Sendable {
    /// The Toxiproxy API level implemented (reported by `GET /version`).
    static let compatibleVersion = "2.12.0"

    let collection: ProxyCollection
    let metrics: PrometheusCollectorRegistry
    let token: String?
    /// Largest request body read; larger ones get a 413.
    let maxBodyBytes: Int

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIGuardMiddleware(token: token))
        let collection = self.collection
        let metrics = self.metrics
        let limit = maxBodyBytes

        router.get("/version") { _, _ in
            Self.json(.object(["version": .string(Self.compatibleVersion), "gameday": .string(GameDayVersion.current)]))
        }
        router.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        router.post("/reset") { _, _ in
            try await collection.reset()
            return Response(status: .noContent)
        }
        router.get("/proxies") { _, _ in Self.json(await collection.list()) }
        router.post("/proxies") { request, _ in
            let body = try JSONBody.object(try await Self.body(request, limit: limit))
            return Self.json(try await collection.create(body), status: 201)
        }
        router.post("/populate") { request, _ in
            let body = try JSONBody.parse(try await Self.body(request, limit: limit))
            let (status, result) = await collection.populate(body)
            return Self.json(result, status: status)
        }
        router.get("/proxies/:proxy") { _, context in
            Self.json(try await collection.show(try Self.parameter("proxy", context)))
        }
        let updateProxy: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let body = try JSONBody.object(try await Self.body(request, limit: limit))
            return Self.json(try await collection.update(try Self.parameter("proxy", context), body))
        }
        router.post("/proxies/:proxy", use: updateProxy)
        router.patch("/proxies/:proxy", use: updateProxy)
        router.delete("/proxies/:proxy") { _, context in
            try await collection.delete(try Self.parameter("proxy", context))
            return Response(status: .noContent)
        }
        router.get("/proxies/:proxy/toxics") { _, context in
            Self.json(try await collection.toxics(try Self.parameter("proxy", context)))
        }
        router.post("/proxies/:proxy/toxics") { request, context in
            let proxy = try Self.parameter("proxy", context)
            let body = try JSONBody.object(try await Self.body(request, limit: limit))
            return Self.json(try await collection.createToxic(proxy, body))
        }
        router.get("/proxies/:proxy/toxics/:toxic") { _, context in
            Self.json(try await collection.showToxic(try Self.parameter("proxy", context), try Self.parameter("toxic", context)))
        }
        let updateToxic: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            let proxy = try Self.parameter("proxy", context)
            let toxic = try Self.parameter("toxic", context)
            let body = try JSONBody.object(try await Self.body(request, limit: limit))
            return Self.json(try await collection.updateToxic(proxy, toxic, body))
        }
        router.post("/proxies/:proxy/toxics/:toxic", use: updateToxic)
        router.patch("/proxies/:proxy/toxics/:toxic", use: updateToxic)
        router.delete("/proxies/:proxy/toxics/:toxic") { _, context in
            try await collection.deleteToxic(try Self.parameter("proxy", context), try Self.parameter("toxic", context))
            return Response(status: .noContent)
        }
        return router
    }

    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw APIError(status: 413, "request body is larger than \(limit) bytes")
        }
    }

    private static func parameter(_ name: String, _ context: BasicRequestContext) throws -> String {
        guard let value = context.parameters.get(name) else { throw APIError(status: 404, "\(name) not found") }
        return value.removingPercentEncoding ?? value
    }
}

/// Authentication, the browser block, and errors as JSON, for every route (including unknown ones).
struct APIGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let token {
            let expected = "Bearer \(token)"
            guard let given = request.headers[.authorization], Self.constantTimeEqual(given, expected) else {
                var response = ControlAPI.json(APIError(status: 401, "missing or wrong bearer token: send 'Authorization: Bearer <token>'").json, status: 401)
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
        }
        // As Toxiproxy: a browser must not drive the API (a web page could otherwise reach a loopback daemon).
        if let agent = request.headers[.userAgent], agent.hasPrefix("Mozilla/") {
            return ControlAPI.json(APIError(status: 403, "User agent not allowed").json, status: 403)
        }
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return ControlAPI.json(error.json, status: error.status)
        } catch let error as HTTPError {
            let message = error.body ?? Self.message(for: error.status.code, request: request)
            return ControlAPI.json(APIError(status: error.status.code, message).json, status: error.status.code)
        } catch let error as any HTTPResponseError {
            let code = error.status.code
            return ControlAPI.json(APIError(status: code, Self.message(for: code, request: request)).json, status: code)
        } catch {
            context.logger.warning("API request failed", metadata: ["error": "\(error)"])
            return ControlAPI.json(APIError(status: 500, "\(error)").json, status: 500)
        }
    }

    private static func message(for code: Int, request: Request) -> String {
        switch code {
        case 404: return "no route for \(request.method) \(request.uri.path)"
        case 405: return "method \(request.method) not allowed on \(request.uri.path)"
        case 413: return "request body too large"
        default: return HTTPResponse.Status(code: code).reasonPhrase
        }
    }

    private static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
