import Synchronization

/// The control APIs of the proxies this process serves itself (a run's in-process proxies), with their tokens.
///
/// The run creates one, registers its proxy server's API and random token in it when it starts it, removes them when
/// it stops it, and hands it to its `ProxyInjector` and `ProxyReverter`, which look the token up by API address and
/// send it. The token never
/// leaves the process: it is not in the plan, the journal or any revert recipe. A recipe marked `inProcess` whose API
/// is not registered here belongs to a proxy that died with its run.
public final class InProcessProxyRegistry: Sendable {
    private let tokens = Mutex<[String: String]>([:])

    public init() {}

    /// Records that `api` (e.g. `http://127.0.0.1:41234`) is served by this process and needs `token`.
    public func register(api: String, token: String) {
        tokens.withLock { $0[Self.key(api)] = token }
    }

    public func unregister(api: String) {
        _ = tokens.withLock { $0.removeValue(forKey: Self.key(api)) }
    }

    /// The token of an API this process serves; nil if it serves no such API (any more).
    public func token(for api: String) -> String? {
        tokens.withLock { $0[Self.key(api)] }
    }

    private static func key(_ api: String) -> String {
        var text = Substring(api)
        while text.hasSuffix("/") { text = text.dropLast() }
        return text.lowercased()
    }
}
