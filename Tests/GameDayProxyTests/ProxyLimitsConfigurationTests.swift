import Foundation
import GameDayCore
import Logging
import Testing
@testable import GameDayProxy
import GameDayTestSupport

/// Configured limits over real sockets: connections per proxy, remote listeners when allowed, body size.
struct ProxyLimitsConfigurationTests {
    private func start(_ configuration: ProxyServerConfiguration) async throws -> (FaultProxyServer, Int) {
        var logger = Logger(label: "test.proxy")
        logger.logLevel = .critical
        let server = FaultProxyServer(configuration: configuration, logger: logger)
        let address = try await server.start()
        return (server, Int(address.split(separator: ":").last ?? "") ?? 0)
    }

    /// Beyond `maxConnectionsPerProxy` open connections a new one is closed at once and counted; once one closes,
    /// new connections are relayed again.
    @Test func connectionsPerProxyAreCapped() async throws {
        let upstream = try await TestUpstream(.echo)
        let (server, apiPort) = try await start(ProxyServerConfiguration(port: 0, seed: 1, limits: ProxyLimits(maxConnectionsPerProxy: 3)))
        defer { Task { await server.shutdown(); await upstream.close() } }
        let port = listenPort(try await server.createProxy(name: "capped", listen: "127.0.0.1:0", upstream: upstream.address))
        let open = try await blocking { () -> [BlockingClient] in
            try (0..<3).map { index in
                let client = try BlockingClient(port: port)
                try client.send("c\(index)")
                guard client.read(count: 2) == Array("c\(index)".utf8) else { throw TestError("connection \(index) did not relay") }
                return client
            }
        }
        #expect(try await server.collection.connectionCount(of: "capped") == 3)
        let refused = try await blocking { () -> BlockingClient.ReadResult in
            let client = try BlockingClient(port: port, timeout: 5)
            try? client.send("x")
            return client.readOnce()
        }
        #expect(refused == .closed || refused == .reset, "the 4th connection must be closed, got \(refused)")
        let metrics = try await blocking { try RawHTTP.request(port: apiPort, "GET", "/metrics") }
        #expect(metrics.body.contains(#"gameday_proxy_refused_connections_total{proxy="capped"} 1"#), "\(metrics.body)")
        #expect(try await server.collection.connectionCount(of: "capped") == 3)

        // One closes: room for a new one.
        try await blocking { open[0].shutdownWrite(); _ = open[0].readToEnd() }
        #expect(try await eventually { try await server.collection.connectionCount(of: "capped") == 2 })
        let again = try await blocking { () -> [UInt8] in
            let client = try BlockingClient(port: port)
            try client.send("ok")
            return client.read(count: 2)
        }
        #expect(again == Array("ok".utf8))
        _ = open
    }

    /// With `allowRemoteListen` a non-loopback listen address passes the check (here it then fails to bind, an
    /// address this machine does not have, so nothing is exposed): 500 from the bind, not 403.
    @Test func remoteListenAllowedByFlag() async throws {
        let (server, apiPort) = try await start(ProxyServerConfiguration(port: 0, allowRemoteListen: true))
        defer { Task { await server.shutdown() } }
        let reply = try await blocking {
            try RawHTTP.request(port: apiPort, "POST", "/proxies", body: #"{"name":"lan","listen":"10.255.255.1:0","upstream":"127.0.0.1:1"}"#)
        }
        #expect(reply.status == 500, "\(reply.status) \(reply.body)")
        #expect(reply.body.contains("listen tcp 10.255.255.1:0"))
    }

    /// The owner's proxies (a plan's, a --config file's) are not API requests: they may listen where they say.
    @Test func ownerDefinedProxiesAreNotChecked() async throws {
        let (server, _) = try await start(ProxyServerConfiguration(port: 0))
        defer { Task { await server.shutdown() } }
        await #expect(throws: APIError.self) {
            _ = try await server.createProxy(name: "lan", listen: "10.255.255.1:0", upstream: "127.0.0.1:1")
        }
        do {
            _ = try await server.createProxy(name: "lan", listen: "10.255.255.1:0", upstream: "127.0.0.1:1")
        } catch let error as APIError {
            #expect(error.status == 500, "the bind, not the loopback check, refuses it: \(error)")
        }
    }

    /// `maxBodyBytes` is configurable: a smaller cap refuses a body the default would take.
    @Test func bodyCapIsConfigurable() async throws {
        let (server, apiPort) = try await start(ProxyServerConfiguration(port: 0, limits: ProxyLimits(maxBodyBytes: 100)))
        defer { Task { await server.shutdown() } }
        let body = #"{"name":"db","upstream":"127.0.0.1:1","enabled":false,"note":"\#(String(repeating: "x", count: 120))"}"#
        let reply = try await blocking { try RawHTTP.request(port: apiPort, "POST", "/proxies", body: body) }
        #expect(reply.status == 413)
        #expect(reply.body.contains("larger than 100 bytes"))
    }
}
