import GameDayCore
import Foundation

/// Whether the proxy token (`GAMEDAY_PROXY_TOKEN`) may be sent to a proxy API: only where nobody on the path can
/// read it. That is a loopback API (the token never leaves the machine) or an https one; over plain http to
/// another host the token would cross the network in clear, so the call is refused instead.
public enum ProxyTokenPolicy {
    public enum Decision: Sendable, Equatable {
        /// Send `Authorization: Bearer <token>`.
        case send(String)
        /// No token to send; call without one.
        case none
        /// Do not call at all: the reason says why and what to do.
        case refuse(String)
    }

    /// - Parameters:
    ///   - api: the API base URL (`http://127.0.0.1:8474`, `https://proxy.internal:8474`).
    ///   - token: the token that would be sent, if any (empty counts as none).
    public static func decide(api: String, token: String?) -> Decision {
        guard let token, !token.isEmpty else { return .none }
        guard let components = URLComponents(string: api), let scheme = components.scheme?.lowercased() else {
            return .refuse("refusing to send GAMEDAY_PROXY_TOKEN to \"\(api)\", which is not an http:// or https:// URL")
        }
        if scheme == "https" { return .send(token) }
        let host = components.host ?? ""
        if scheme == "http", LoopbackHost.contains(host) { return .send(token) }
        let shown = host.isEmpty ? api : host
        return .refuse("refusing to send GAMEDAY_PROXY_TOKEN over plain \(scheme) to \(shown): anyone on the path could read it; use an https:// api, or a loopback api (127.0.0.1) reached through an ssh tunnel")
    }
}
