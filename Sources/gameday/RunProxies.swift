import Foundation
import GameDayCore
import GameDayInjectors
import GameDayProxy
import Logging

/// The fault proxies a run uses: the ones it starts in-process (plan entries with `listen` + `upstream`, served by
/// one `FaultProxyServer` whose control API binds a free loopback port) and the ones already running (`api:`).
/// Injectors speak only the Toxiproxy-compatible API to either kind.
///
/// The in-process API requires a random token that exists only in this process: it is registered in the run's
/// `InProcessProxyRegistry` (where the run's injector and reverter find it) and never written anywhere, so
/// other local users cannot delete the run's toxics or add proxies through it.
struct RunProxies: Sendable {
    let server: FaultProxyServer?
    let apis: [String: String]
    /// The in-process server's API base URL, registered with its token while the server runs.
    let inProcessAPI: String?
    let registry: InProcessProxyRegistry

    static func start(_ specs: [ProxySpec], seed: UInt64? = nil, registry: InProcessProxyRegistry,
                      logger: Logger) async throws -> RunProxies {
        var apis: [String: String] = [:]
        var server: FaultProxyServer?
        var inProcessAPI: String?
        let local = specs.filter { $0.api == nil }
        if !local.isEmpty {
            let configuration = ProxyServerConfiguration.inProcess(seed: seed)
            let started = FaultProxyServer(configuration: configuration, logger: logger)
            let address = try await started.start()
            let api = "http://\(address)"
            server = started
            inProcessAPI = api
            if let token = configuration.token { registry.register(api: api, token: token) }
            for spec in local {
                guard let listen = spec.listen, let upstream = spec.upstream else { continue }
                do {
                    _ = try await started.createProxy(name: spec.name, listen: listen, upstream: upstream)
                } catch {
                    registry.unregister(api: api)
                    await started.shutdown()
                    throw RunProxyError(description: "could not start proxy '\(spec.name)' (\(listen) -> \(upstream)): \(error)")
                }
                apis[spec.name] = api
            }
        }
        for spec in specs { if let api = spec.api { apis[spec.name] = api.hasSuffix("/") ? String(api.dropLast()) : api } }
        return RunProxies(server: server, apis: apis, inProcessAPI: inProcessAPI, registry: registry)
    }

    func stop() async {
        if let inProcessAPI { registry.unregister(api: inProcessAPI) }
        await server?.shutdown()
    }
}

struct RunProxyError: Error, CustomStringConvertible { var description: String }
