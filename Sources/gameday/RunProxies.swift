import Foundation
import GameDayCore
import GameDayProxy
import Logging

/// The fault proxies a run uses: the ones it starts in-process (plan entries with `listen` + `upstream`, served by
/// one `FaultProxyServer` whose control API binds a free loopback port) and the ones already running (`api:`).
/// Injectors speak only the Toxiproxy-compatible API to either kind.
struct RunProxies: Sendable {
    let server: FaultProxyServer?
    let apis: [String: String]

    static func start(_ specs: [ProxySpec], seed: UInt64? = nil, logger: Logger) async throws -> RunProxies {
        var apis: [String: String] = [:]
        var server: FaultProxyServer?
        let local = specs.filter { $0.api == nil }
        if !local.isEmpty {
            let started = FaultProxyServer(configuration: ProxyServerConfiguration(host: "127.0.0.1", port: 0, seed: seed), logger: logger)
            let address = try await started.start()
            server = started
            for spec in local {
                guard let listen = spec.listen, let upstream = spec.upstream else { continue }
                do {
                    _ = try await started.createProxy(name: spec.name, listen: listen, upstream: upstream)
                } catch {
                    await started.shutdown()
                    throw RunProxyError(description: "could not start proxy '\(spec.name)' (\(listen) -> \(upstream)): \(error)")
                }
                apis[spec.name] = "http://\(address)"
            }
        }
        for spec in specs { if let api = spec.api { apis[spec.name] = api.hasSuffix("/") ? String(api.dropLast()) : api } }
        return RunProxies(server: server, apis: apis)
    }

    func stop() async { await server?.shutdown() }
}

struct RunProxyError: Error, CustomStringConvertible { var description: String }
