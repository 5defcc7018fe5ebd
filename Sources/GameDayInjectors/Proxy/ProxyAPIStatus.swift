import Foundation
import GameDayCore

/// Whether a Toxiproxy-compatible API is ready for a run's proxy steps (asked by `gameday preflight`).
public enum ProxyAPIStatus: Sendable, Equatable {
    /// The API answers `/version` and knows the proxy.
    case ready(version: String)
    /// The API answers, but has no proxy of that name.
    case missingProxy(version: String)
    /// The API could not be asked, or refused (the reason says which and what to do).
    case unreachable(String)

    /// GET /version, then GET /proxies/NAME, with the token the run itself would send (`ProxyTokenPolicy`).
    public static func check(api: String, proxy: String, token: String?, timeout: TimeInterval = 5) async -> ProxyAPIStatus {
        let access = ProxyAPIAccess(token: token, timeout: timeout, inProcess: InProcessProxyRegistry())
        do {
            let sent = try access.token(for: api, refusing: "proxy API \(api)")
            let (status, data) = try await access.client.request("GET", api, "/version", token: sent)
            guard status == 200 else {
                return .unreachable("GET /version answered \(status): \(String(decoding: data.prefix(200), as: UTF8.self))"
                    + (status == 401 ? " (set GAMEDAY_PROXY_TOKEN to the daemon's token)" : ""))
            }
            var version = String(decoding: data.prefix(100), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if let object = try? JSONDecoder().decode([String: JSONValue].self, from: data), let text = object["version"]?.stringValue {
                version = text
            }
            let path = "/proxies/\(ToxiproxyHTTPClient.escape(proxy))"
            let (found, body) = try await access.client.request("GET", api, path, token: sent)
            switch found {
            case 200: return .ready(version: version)
            case 404: return .missingProxy(version: version)
            default: return .unreachable("GET \(path) answered \(found): \(String(decoding: body.prefix(200), as: UTF8.self))")
            }
        } catch {
            return .unreachable("\(error)")
        }
    }
}
