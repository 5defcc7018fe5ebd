/// How a `FaultProxyServer` runs: where its API listens, its token, seed and start-up proxies.
public struct ProxyServerConfiguration: Sendable {
    /// API host; loopback by default. Anything else requires `token`.
    public var host: String
    /// API port (Toxiproxy's 8474 by default; 0 picks a free one).
    public var port: Int
    /// Bearer token required on every API request when set (`GAMEDAY_PROXY_TOKEN` in the CLI).
    public var token: String?
    /// Seed for toxicity and jitter draws; nil picks one at random (and logs it).
    public var seed: UInt64?
    /// A Toxiproxy config file (JSON array of `{name, listen, upstream, enabled}`) populated at start.
    public var configFile: String?

    public init(host: String = "127.0.0.1", port: Int = 8474, token: String? = nil, seed: UInt64? = nil,
                configFile: String? = nil) {
        self.host = host; self.port = port; self.token = token; self.seed = seed; self.configFile = configFile
    }

    /// Whether `host` is a loopback address or name.
    public var bindsLoopback: Bool {
        HostPort(host: host, port: port).isLoopback
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
            return "the API would listen on \(host), which is not loopback: give --token TOKEN (or set GAMEDAY_PROXY_TOKEN) so that only callers with the token can drive it"
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
