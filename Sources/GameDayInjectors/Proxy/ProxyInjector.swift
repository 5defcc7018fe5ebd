import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayCore
import GameDayEngine
import GameDayFaults

/// Applies proxy faults (`latency`, `bandwidth`, `timeout`, `reset`, `down`, `http-error`, `slow-open`, ...) through
/// a Toxiproxy-compatible API: `gameday proxy` or a real Toxiproxy.
///
/// A fault becomes a toxic named `gameday-<runID>-<step index>` on the step's proxy; `down` disables the proxy
/// instead. The revert recipe deletes that toxic (or re-enables the proxy), so `gameday recover` can finish the job
/// from the journal alone. Only the public HTTP API is used.
///
/// Tokens: a proxy this process serves (the run's in-process proxy, found in `InProcessProxyRegistry`) gets its own
/// random token; any other API gets `GAMEDAY_PROXY_TOKEN`, but only over https or to a loopback address
/// (`ProxyTokenPolicy`); a plain-http API elsewhere with a token set fails the step before anything is sent.
public struct ProxyInjector: FaultInjector {
    private let access: ProxyAPIAccess

    /// - Parameters:
    ///   - token: bearer token for `api:` proxies that need one (default: `GAMEDAY_PROXY_TOKEN`).
    ///   - timeout: per request.
    ///   - inProcess: the APIs (and tokens) of the proxies this process serves.
    public init(token: String? = ProcessInfo.processInfo.environment["GAMEDAY_PROXY_TOKEN"], timeout: TimeInterval = 10,
                inProcess: InProcessProxyRegistry = InProcessProxyRegistry()) {
        access = ProxyAPIAccess(token: token, timeout: timeout, inProcess: inProcess)
    }

    /// The toxic name a step's fault gets on its proxy.
    public static func toxicName(runID: String, stepIndex: Int) -> String { "gameday-\(runID)-\(stepIndex)" }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        let action = try FaultRegistry.standard.action(step: step, target: target, runID: context.runID) { ProxyClientError($0) }
        guard case .proxy(let change) = action else {
            throw ProxyClientError("step \"\(step.name)\" is a \(step.fault.kindName) fault, not a proxy fault")
        }
        return try prepare(change, step: step, context: context)
    }

    /// Prepares a `.proxy` action on the step's proxy.
    public func prepare(_ action: ProxyAction, step: ScheduledStep, context: InjectionContext) throws -> PreparedFault {
        guard let proxy = step.proxy?.name else {
            throw ProxyClientError("step \"\(step.name)\" (\(step.fault.kindName)) needs `proxy:` naming one of the plan's proxies")
        }
        guard let api = context.proxyAPIs[proxy] ?? step.proxy?.api else {
            throw ProxyClientError("no control API known for proxy \"\(proxy)\": give it `api:` or let the run start it")
        }
        let client = access.client
        let dryRun = context.dryRun
        let isInProcess = access.inProcess.token(for: api) != nil
        let token = try access.token(for: api, refusing: "step \"\(step.name)\" on proxy \(proxy)")
        guard case .addToxic(let toxicType, let stream, let toxicity, let attributes) = action.change else {
            let recipe = RevertRecipe.proxy(ProxyRevert(api: api, proxy: proxy, toxic: nil, inProcess: isInProcess))
            return PreparedFault(target: proxy, description: "disable proxy \(proxy) (down)", recipe: recipe) {
                if dryRun { return "dry run: would disable proxy \(proxy)" }
                try await client.setEnabled(false, api: api, proxy: proxy, token: token)
                return "proxy \(proxy) disabled at \(api)"
            }
        }
        let name = Self.toxicName(runID: context.runID, stepIndex: step.index)
        let toxic: [String: JSONValue] = [
            "name": .string(name), "type": .string(toxicType), "stream": .string(stream),
            "toxicity": .number(toxicity), "attributes": .object(attributes),
        ]
        let recipe = RevertRecipe.proxy(ProxyRevert(api: api, proxy: proxy, toxic: name, inProcess: isInProcess))
        let summary = attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.plainText)" }.joined(separator: " ")
        let description = "\(toxicType) toxic \(name) on proxy \(proxy) (\(stream), toxicity \(toxicity)\(summary.isEmpty ? "" : ", \(summary)"))"
        return PreparedFault(target: proxy, description: description, recipe: recipe) {
            if dryRun { return "dry run: would add \(description)" }
            try await client.addToxic(toxic, name: name, api: api, proxy: proxy, token: token)
            return "toxic \(name) added to proxy \(proxy) at \(api)"
        }
    }
}

/// Performs `RevertRecipe.proxy`: deletes the toxic, or re-enables the proxy. Idempotent: a toxic or proxy that is
/// already gone counts as reverted.
///
/// A recipe of an in-process proxy (`inProcess`) whose API this process does not serve belongs to a run that is
/// gone (`gameday recover` only touches runs whose process no longer holds the run lock): the proxy, and every toxic
/// on it, died with that process. That is a successful revert with that explanation; nothing is sent to the old
/// port, where something else may listen by now.
public struct ProxyReverter: FaultReverter {
    private let access: ProxyAPIAccess

    public init(token: String? = ProcessInfo.processInfo.environment["GAMEDAY_PROXY_TOKEN"], timeout: TimeInterval = 10,
                inProcess: InProcessProxyRegistry = InProcessProxyRegistry()) {
        access = ProxyAPIAccess(token: token, timeout: timeout, inProcess: inProcess)
    }

    public func revert(_ recipe: RevertRecipe) async throws -> String? {
        guard case .proxy(let revert) = recipe else {
            throw ProxyClientError("ProxyReverter only reverts proxy recipes, not: \(recipe.manualInstructions)")
        }
        if revert.inProcess && access.inProcess.token(for: revert.api) == nil {
            let what = revert.toxic.map { "toxic \($0) on proxy \(revert.proxy)" } ?? "proxy \(revert.proxy) (down)"
            return "the in-process proxy died with the run; nothing left to revert (\(what) at \(revert.api) ended with its gameday run process)"
        }
        let token = try access.token(for: revert.api, refusing: "cannot revert proxy \(revert.proxy)")
        let client = access.client
        if let toxic = revert.toxic {
            let removed = try await client.deleteToxic(toxic, api: revert.api, proxy: revert.proxy, token: token)
            return removed
                ? "toxic \(toxic) removed from proxy \(revert.proxy)"
                : "toxic \(toxic) was already gone from proxy \(revert.proxy)"
        }
        let enabled = try await client.setEnabled(true, api: revert.api, proxy: revert.proxy, token: token)
        return enabled ? "proxy \(revert.proxy) re-enabled" : "proxy \(revert.proxy) no longer exists: nothing to re-enable"
    }
}

/// A proxy API call that failed; says what was asked, what came back, and what to check.
public struct ProxyClientError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The few Toxiproxy API calls the injector needs, over plain HTTP/1.1.
///
/// The token to send is decided by the caller for each call (`ProxyTokenPolicy`, or the in-process registry).
struct ToxiproxyHTTPClient: Sendable {
    let timeout: TimeInterval

    /// Redirects are never followed: a redirect would carry the token to a URL `ProxyTokenPolicy` never judged
    /// (URLSession resends every header, `Authorization` included). A Toxiproxy API does not redirect.
    private static let session = URLSession(configuration: .ephemeral, delegate: RefuseRedirects(), delegateQueue: nil)

    func request(_ method: String, _ api: String, _ path: String, body: JSONValue? = nil, token: String?) async throws -> (Int, Data) {
        let base = api.hasSuffix("/") ? String(api.dropLast()) : api
        guard let url = URL(string: base + path), url.scheme == "http" || url.scheme == "https" else {
            throw ProxyClientError("proxy API address \"\(api)\" is not an http:// URL")
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("gameday/\(GameDayVersion.current)", forHTTPHeaderField: "User-Agent")
        if let token, !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONEncoder().encode(body)
        }
        do {
            let (data, response) = try await Self.session.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw ProxyClientError("\(method) \(url.absoluteString): not an HTTP response")
            }
            return (http.statusCode, data)
        } catch let error as ProxyClientError {
            throw error
        } catch {
            throw ProxyClientError("\(method) \(url.absoluteString) failed: \(error.localizedDescription); is the proxy API (gameday proxy or Toxiproxy) running there?")
        }
    }

    private static func failure(_ method: String, _ path: String, _ status: Int, _ data: Data) -> ProxyClientError {
        if (300..<400).contains(status) {
            return ProxyClientError("\(method) \(path) answered \(status) (a redirect): gameday does not follow redirects of a proxy API, so the token cannot be sent where it was not meant to go; give the final address as the proxy's api")
        }
        let detail = (try? JSONDecoder().decode([String: JSONValue].self, from: data))?["error"]?.stringValue
            ?? String(decoding: data.prefix(300), as: UTF8.self)
        let hint = status == 401 ? " (set GAMEDAY_PROXY_TOKEN to the daemon's token; it is sent only over https or to a loopback api)" : ""
        return ProxyClientError("\(method) \(path) answered \(status): \(detail)\(hint)")
    }

    static func escape(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
    }

    func addToxic(_ toxic: [String: JSONValue], name: String, api: String, proxy: String, token: String?) async throws {
        let path = "/proxies/\(Self.escape(proxy))/toxics"
        let (status, data) = try await request("POST", api, path, body: .object(toxic), token: token)
        switch status {
        case 200, 201:
            return
        case 409:
            // Left by an earlier attempt of this very step: bring it to this configuration.
            var update = toxic
            update["name"] = nil; update["type"] = nil; update["stream"] = nil
            let updatePath = "\(path)/\(Self.escape(name))"
            let (status, data) = try await request("POST", api, updatePath, body: .object(update), token: token)
            guard status == 200 else { throw Self.failure("POST", updatePath, status, data) }
        default:
            throw Self.failure("POST", path, status, data)
        }
    }

    /// Deletes a toxic; false if it (or its proxy) was already gone.
    func deleteToxic(_ name: String, api: String, proxy: String, token: String?) async throws -> Bool {
        let path = "/proxies/\(Self.escape(proxy))/toxics/\(Self.escape(name))"
        let (status, data) = try await request("DELETE", api, path, token: token)
        switch status {
        case 200, 204: return true
        case 404: return false
        default: throw Self.failure("DELETE", path, status, data)
        }
    }

    /// Enables or disables a proxy; false if the proxy does not exist (only tolerated when enabling).
    @discardableResult
    func setEnabled(_ enabled: Bool, api: String, proxy: String, token: String?) async throws -> Bool {
        let path = "/proxies/\(Self.escape(proxy))"
        let (status, data) = try await request("POST", api, path, body: .object(["enabled": .bool(enabled)]), token: token)
        switch status {
        case 200: return true
        case 404 where enabled: return false
        default: throw Self.failure("POST", path, status, data)
        }
    }
}

/// Stops every redirect; the 3xx response itself is returned to the caller.
///
/// `@unchecked Sendable`: stateless.
private final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// How this process talks to a Toxiproxy-compatible API: one HTTP client, and which token goes where — the
/// in-process proxy's own token to its API, `GAMEDAY_PROXY_TOKEN` only where `ProxyTokenPolicy` allows it.
struct ProxyAPIAccess: Sendable {
    let client: ToxiproxyHTTPClient
    let token: String?
    let inProcess: InProcessProxyRegistry

    init(token: String?, timeout: TimeInterval, inProcess: InProcessProxyRegistry) {
        client = ToxiproxyHTTPClient(timeout: timeout)
        self.token = token
        self.inProcess = inProcess
    }

    /// The token to send to `api` (nil: none); throws, prefixed with `context`, when the policy refuses to send it.
    func token(for api: String, refusing context: String) throws -> String? {
        if let served = inProcess.token(for: api) { return served }
        switch ProxyTokenPolicy.decide(api: api, token: token) {
        case .send(let value): return value
        case .none: return nil
        case .refuse(let reason): throw ProxyClientError("\(context): \(reason)")
        }
    }
}
