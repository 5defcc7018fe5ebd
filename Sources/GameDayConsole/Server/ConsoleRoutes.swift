import Foundation
import GameDayCore
import GameDayReport
import Hummingbird
import NIOCore

/// The console's HTTP routes. Pages and assets need no token (they hold no run data); every `/api/` route is
/// decided by ``ConsoleAccess``.
struct ConsoleRoutes: Sendable {
    let access: ConsoleAccess
    let blind: Bool
    let follower: JournalBroadcaster
    let actions: (any ConsoleActions)?

    /// Largest runbook served (a runbook is a page of Markdown; anything bigger is not one).
    static let maxRunbookBytes = 1 << 20

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ConsoleErrorMiddleware())
        let access = self.access
        let follower = self.follower
        let actions = self.actions
        let blind = self.blind

        router.get("/") { _, _ in Self.asset(ConsolePage.html, type: "text/html; charset=utf-8") }
        router.get("/console.css") { _, _ in Self.asset(ConsolePage.css, type: "text/css; charset=utf-8") }
        router.get("/console.js") { _, _ in Self.asset(ConsolePage.javascript, type: "text/javascript; charset=utf-8") }

        router.get("/api/session") { request, _ in
            let role = try Self.allow(access.decide(token: Self.queryToken(request), need: .read))
            return Self.json([
                "role": role.rawValue,
                "canMark": role.canMark && actions != nil,
                "canAbort": role.canAbort && actions != nil,
                "readOnly": actions == nil,
                "blind": blind,
            ])
        }
        router.get("/api/events") { request, _ in
            let role = try Self.allow(access.decide(token: Self.queryToken(request), need: .read))
            // In a blind drill only the facilitator sees which fault, step and target are active.
            let redact = blind && role != .facilitator
            let after = request.headers[HeaderName("Last-Event-ID")!].flatMap { Int($0) }
            let stream = await follower.subscribe(after: after)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            Self.secure(&headers)
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                // Tell the browser to come back quickly if the connection drops; it then re-syncs from the start.
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                for await item in stream {
                    if redact, case .batch(let lines, _) = item {
                        let shown = lines.compactMap { line in BlindView.redact(line.text).map { JournalBroadcaster.Line($0, seq: line.seq) } }
                        guard !shown.isEmpty else { continue }
                        try await writer.write(ByteBuffer(string: Self.sse(.lines(shown))))
                    } else {
                        try await writer.write(ByteBuffer(string: Self.sse(item)))
                    }
                }
                try await writer.finish(nil)
            })
        }
        router.get("/api/runbook") { request, _ in
            let role = try Self.allow(access.decide(token: Self.queryToken(request), need: .read))
            if blind && role != .facilitator {
                throw ConsoleHTTPError(404, "the runbook is hidden in a blind drill: the plan chose it for the fault, so it would tell what broke")
            }
            guard let first = await follower.snapshot.first, let path = Self.runbookPath(fromFirstLine: first) else {
                throw ConsoleHTTPError(404, "this run's plan names no runbook")
            }
            guard let data = FileManager.default.contents(atPath: path), data.count <= Self.maxRunbookBytes else {
                throw ConsoleHTTPError(404, "the runbook \(path) cannot be read (or is larger than 1 MiB)")
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/markdown; charset=utf-8"
            Self.secure(&headers)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("/api/mark") { request, _ in
            let role = try Self.allow(access.decide(token: Self.headerToken(request), need: .mark))
            guard let actions else { throw ConsoleHTTPError(409, Self.readOnlyMessage) }
            let action: ConsoleActionRequest
            do {
                action = try ConsoleActionRequest.parseMark(try await Self.body(request))
            } catch let invalid as ConsoleActionRequest.Invalid {
                throw ConsoleHTTPError(400, invalid.description)
            }
            if action.kind == .diagnosis || action.kind == .correct {
                guard blind else { throw ConsoleHTTPError(400, "diagnoses belong to blind drills (gameday run --blind)") }
                if action.kind == .correct { _ = try Self.allow(access.decide(token: Self.headerToken(request), need: .judge)) }
            }
            await actions.mark(OperatorMark(kind: action.kind, text: action.text, by: action.name, role: role.rawValue, ref: action.ref))
            return Self.json(["ok": true], status: .accepted)
        }
        router.post("/api/abort") { request, _ in
            let role = try Self.allow(access.decide(token: Self.headerToken(request), need: .abort))
            guard let actions else { throw ConsoleHTTPError(409, Self.readOnlyMessage) }
            let name: String
            do {
                name = try ConsoleActionRequest.parseAbort(try await Self.body(request))
            } catch let invalid as ConsoleActionRequest.Invalid {
                throw ConsoleHTTPError(400, invalid.description)
            }
            await actions.abort(by: name, role: role)
            return Self.json(["ok": true], status: .accepted)
        }
        return router
    }

    static let readOnlyMessage = "this console follows a run started by another process: it is read-only; marks and abort belong to the run's own console (gameday run --console)"

    /// The runbook's path from the journal's first line (`run.start`): the plan's `runbook`, resolved against the
    /// plan file exactly as the postmortem resolves it.
    static func runbookPath(fromFirstLine line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              object["type"] as? String == "run.start",
              let runbook = object["runbook"] as? String, let planFile = object["planFile"] as? String,
              !runbook.contains("://") else { return nil }
        return RunbookPath.resolve(runbook, relativeTo: planFile)
    }

    /// Server-sent events: one per journal line, with its `seq` as the event id; or the server's clock.
    static func sse(_ item: JournalBroadcaster.Item) -> String {
        switch item {
        case .batch(_, let sse):
            return sse
        case .clock(let wall):
            return "event: clock\ndata: {\"wall\":\(wall)}\n\n"
        }
    }

    private static func allow(_ decision: ConsoleAccess.Decision) throws -> ConsoleRole {
        switch decision {
        case .allowed(let role): return role
        case .unauthorized(let why): throw ConsoleHTTPError(401, why)
        case .forbidden(let why): throw ConsoleHTTPError(403, why)
        }
    }

    private static func queryToken(_ request: Request) -> String? {
        request.uri.queryParameters.get("k")
    }

    /// POSTs take the token from the header only: a link or a cross-site form cannot set it.
    private static func headerToken(_ request: Request) -> String? {
        request.headers[HeaderName(ConsoleAccess.tokenHeader)!]
    }

    private static func body(_ request: Request) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: ConsoleActionRequest.maxBodyBytes)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ConsoleHTTPError(413, "the request body is larger than \(ConsoleActionRequest.maxBodyBytes) bytes")
        }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        secure(&headers)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Headers every response carries: only this server's own scripts, styles and connections; no framing; the
    /// link's token (in the fragment) never leaks through a Referer.
    static func secure(_ headers: inout HTTPFields) {
        headers[HeaderName("Content-Security-Policy")!] =
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        headers[HeaderName("X-Content-Type-Options")!] = "nosniff"
        headers[HeaderName("Referrer-Policy")!] = "no-referrer"
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        secure(&headers)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// An API failure with its status and a sentence for the page.
struct ConsoleHTTPError: Error {
    var status: Int
    var message: String
    init(_ status: Int, _ message: String) { self.status = status; self.message = message }
}

/// Turns every failure (ours, Hummingbird's 404/405/413) into `{"error": "..."}` with its status.
struct ConsoleErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ConsoleHTTPError {
            return ConsoleRoutes.json(["error": error.message], status: .init(code: error.status))
        } catch let error as any HTTPResponseError {
            let code = error.status.code
            let message = code == 404 ? "no route for \(request.method) \(request.uri.path)"
                : code == 405 ? "method \(request.method) not allowed on \(request.uri.path)"
                : HTTPResponse.Status(code: code).reasonPhrase
            return ConsoleRoutes.json(["error": message], status: .init(code: code))
        }
    }
}

/// A header name (Hummingbird re-exports `HTTPFields`, not `HTTPField`).
typealias HeaderName = HTTPFields.Element.Name
