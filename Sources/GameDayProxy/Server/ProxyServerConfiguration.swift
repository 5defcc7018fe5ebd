import GameDayCore

/// How a `FaultProxyServer` runs: where its API listens, its token, seed, limits and start-up proxies.
public struct ProxyServerConfiguration: Sendable {
    /// API host; loopback by default. Anything else requires `token`.
    public var host: String
    /// API port (Toxiproxy's 8474 by default; 0 picks a free one).
    public var port: Int
    /// Bearer token required on every API request when set (`Authorization: Bearer <token>`).
    public var token: String?
    /// Seed for toxicity and jitter draws; nil picks one at random (and logs it).
    public var seed: UInt64?
    /// A Toxiproxy config file (JSON array of `{name, listen, upstream, enabled}`) populated at start.
    public var configFile: String?
    /// Whether API requests may create or move proxies onto non-loopback listen addresses (`0.0.0.0:…`, a LAN
    /// address). Off by default: such requests get 403. Proxies the operator defines (`--config`, a plan's
    /// `proxies:`) are not API requests and may listen where they say.
    public var allowRemoteListen: Bool
    /// Caps on what API callers can make the daemon hold.
    public var limits: ProxyLimits

    public init(host: String = "127.0.0.1", port: Int = 8474, token: String? = nil, seed: UInt64? = nil,
                configFile: String? = nil, allowRemoteListen: Bool = false, limits: ProxyLimits = ProxyLimits()) {
        self.host = host; self.port = port; self.token = token; self.seed = seed; self.configFile = configFile
        self.allowRemoteListen = allowRemoteListen; self.limits = limits
    }

    /// The configuration of a run's own in-process proxy: API on a free loopback port, guarded by a fresh random
    /// token that only the run knows (other local users cannot drive it).
    public static func inProcess(seed: UInt64? = nil) -> ProxyServerConfiguration {
        ProxyServerConfiguration(host: "127.0.0.1", port: 0, token: randomToken(), seed: seed)
    }

    /// 32 hex characters (128 bits) from the system CSPRNG (`SystemRandomNumberGenerator`: getrandom(2) on Linux).
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        for _ in 0..<2 {
            let word = generator.next() as UInt64
            let hex = String(word, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }

    /// Whether `host` is a loopback address or name.
    public var bindsLoopback: Bool {
        HostPort(host: host, port: port).isLoopback
    }
}

/// Caps on what API callers can make a proxy daemon hold; going over one is a clear 4xx (or, for connections, a
/// refused connection that is counted), never unbounded memory or descriptors.
public struct ProxyLimits: Sendable, Equatable {
    /// Proxies the daemon holds; one more is 409.
    public var maxProxies: Int
    /// Toxics on one proxy; one more is 409.
    public var maxToxicsPerProxy: Int
    /// Longest proxy or toxic name (characters); names are letters, digits, `.`, `_` and `-`. Longer or other is 400.
    public var maxNameLength: Int
    /// Largest request body read; larger is 413.
    public var maxBodyBytes: Int
    /// Client connections open at once through one proxy; beyond it new connections are closed at once and
    /// counted in `gameday_proxy_refused_connections_total`.
    public var maxConnectionsPerProxy: Int

    public init(maxProxies: Int = 256, maxToxicsPerProxy: Int = 64, maxNameLength: Int = 128,
                maxBodyBytes: Int = 64 * 1024, maxConnectionsPerProxy: Int = 4096) {
        self.maxProxies = maxProxies; self.maxToxicsPerProxy = maxToxicsPerProxy; self.maxNameLength = maxNameLength
        self.maxBodyBytes = maxBodyBytes; self.maxConnectionsPerProxy = maxConnectionsPerProxy
    }
}

/// Why a `FaultProxyServer` could not start.
public enum ProxyServerError: Error, Sendable, CustomStringConvertible {
    case tokenRequired(host: String)
    case apiBindFailed(address: String, reason: String)
    case configUnreadable(path: String, reason: String)
    case configInvalid(path: String, reason: String)
    case notRunning

    public var description: String {
        switch self {
        case .tokenRequired(let host):
            return "the API would listen on \(host), which is not loopback: give a token (--token-env VAR names an environment variable holding it; or GAMEDAY_PROXY_TOKEN) so that only callers with the token can drive it"
        case .apiBindFailed(let address, let reason):
            return "could not listen on \(address) for the API: \(reason); pick another --port or stop what is using it"
        case .configUnreadable(let path, let reason):
            return "could not read the proxy config \(path): \(reason)"
        case .configInvalid(let path, let reason):
            return "the proxy config \(path) is invalid: \(reason); it must be a JSON array of {\"name\", \"listen\", \"upstream\"} objects"
        case .notRunning:
            return "the proxy server is not running: call start() first"
        }
    }
}
