import Foundation
import GameDayCore
import Logging
import NIOCore
import Testing
@testable import GameDayProxy
import GameDayTestSupport

/// Real loopback sockets through an in-process daemon.
struct FaultProxyServerTests {
    private func createProxy(_ server: RunningServer, name: String, upstream: String) async throws -> Int {
        let listen = try await server.server.createProxy(name: name, listen: "127.0.0.1:0", upstream: upstream)
        let port = listenPort(listen)
        #expect(port > 0)
        return port
    }

    private func connect(_ port: Int) async throws -> BlockingClient {
        try await blocking { try BlockingClient(port: port) }
    }

    private func exchange(_ client: BlockingClient, _ text: String) async throws -> String {
        try await blocking {
            try client.send(text)
            return String(decoding: client.read(count: text.utf8.count), as: UTF8.self)
        }
    }

    /// Bytes round-trip through a proxy with no toxics, and the API's listen address is the resolved one.
    @Test func relaysBytes() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "echo", upstream: upstream.address)
        let client = try await connect(port)
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let echoed = try await blocking {
            try client.send(payload)
            return client.read(count: payload.count)
        }
        #expect(echoed.count == payload.count)
        #expect(echoed == payload, "echoed bytes differ")
        let reply = try await server.api("GET", "/proxies/echo")
        #expect(reply.body.contains("\"listen\":\"127.0.0.1:\(port)\""))
    }

    /// A toxic added while a connection is open applies to it, and deleting it releases the data it held.
    @Test func toxicsApplyToLiveConnections() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "live", upstream: upstream.address)
        let client = try await connect(port)
        #expect(try await exchange(client, "before") == "before")
        let add = try await server.api("POST", "/proxies/live/toxics",
                                       body: #"{"type":"latency","attributes":{"latency":600000}}"#)
        #expect(add.status == 200)
        // The toxic reaches the live connection on its event loop; its firing counter says when it is installed.
        let installed = try await eventually {
            try await server.api("GET", "/metrics").body
                .contains(#"gameday_proxy_toxic_fired_total{proxy="live",toxic="latency_downstream",type="latency"} 1"#)
        }
        #expect(installed)
        let early = try await blocking { () -> BlockingClient.ReadResult in
            try client.send("held")
            return BlockingClient.peek(fd: client.fd, seconds: 0.3)
        }
        #expect(early == .timedOut, "the 10-minute latency let data through")
        let delete = try await server.api("DELETE", "/proxies/live/toxics/latency_downstream")
        #expect(delete.status == 204)
        // A 10-minute latency: only the removal can have released these bytes within the read timeout.
        let released = try await blocking { String(decoding: client.read(count: 4), as: UTF8.self) }
        #expect(released == "held")
    }

    /// Updating a toxic on a live connection swaps its handler: what the old one held is forwarded, and new data
    /// gets the new configuration.
    @Test func toxicUpdateAppliesToLiveConnections() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "update", upstream: upstream.address)
        let client = try await connect(port)
        #expect(try await exchange(client, "warm") == "warm")
        _ = try await server.api("POST", "/proxies/update/toxics", body: #"{"type":"latency","attributes":{"latency":600000}}"#)
        let installed = try await eventually {
            try await server.api("GET", "/metrics").body
                .contains(#"gameday_proxy_toxic_fired_total{proxy="update",toxic="latency_downstream",type="latency"} 1"#)
        }
        #expect(installed)
        let early = try await blocking { () -> BlockingClient.ReadResult in
            try client.send("one")
            return BlockingClient.peek(fd: client.fd, seconds: 0.3)
        }
        #expect(early == .timedOut)
        let patched = try await server.api("PATCH", "/proxies/update/toxics/latency_downstream", body: #"{"attributes":{"latency":0}}"#)
        #expect(patched.status == 200)
        // "one" was held by the old handler: the update releases it; "two" goes through the new zero-latency one.
        #expect(try await blocking { String(decoding: client.read(count: 3), as: UTF8.self) } == "one")
        #expect(try await exchange(client, "two") == "two")
    }

    /// An upstream that refuses: the client sees a clean close (FIN, not RST), and the daemon keeps serving.
    @Test func refusedUpstreamClosesCleanly() async throws {
        let closed = try await TestUpstream(.echo)
        let deadPort = closed.port
        await closed.close()
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "dead", upstream: "127.0.0.1:\(deadPort)")
        for _ in 0..<5 {
            let end = try await blocking { try BlockingClient(port: port).readToEnd().end }
            #expect(end == .closed)
        }
        let livePort = try await createProxy(server, name: "alive", upstream: upstream.address)
        #expect(try await exchange(try await connect(livePort), "still here") == "still here")
    }

    /// An upstream that resets mid-stream: the client gets what was sent, then a clean close.
    @Test func upstreamResetMidStream() async throws {
        let upstream = try await TestUpstream(.sendThenReset(bytes: 1000))
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "flaky", upstream: upstream.address)
        let (count, end) = try await blocking { () -> (Int, BlockingClient.ReadResult) in
            let (bytes, end) = try BlockingClient(port: port).readToEnd()
            return (bytes.count, end)
        }
        #expect(count <= 1000)
        #expect(end == .closed)
    }

    /// Many connections (normal, refused, reset) leave no socket of ours open: /proc/self/fd before and after.
    @Test func noDescriptorLeaks() async throws {
        let echo = try await TestUpstream(.echo)
        let flaky = try await TestUpstream(.sendThenReset(bytes: 100))
        let closed = try await TestUpstream(.echo)
        let deadPort = closed.port
        await closed.close()
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await echo.close(); await flaky.close() } }
        let ports = [
            try await createProxy(server, name: "l-echo", upstream: echo.address),
            try await createProxy(server, name: "l-flaky", upstream: flaky.address),
            try await createProxy(server, name: "l-dead", upstream: "127.0.0.1:\(deadPort)"),
        ]
        let watched = Set(ports + [echo.port, flaky.port, deadPort])
        #expect(openSockets(ports: watched) == 0)
        try await blocking {
            for round in 0..<20 {
                for port in ports {
                    let client = try BlockingClient(port: port, timeout: 2)
                    try? client.send("round \(round)")
                    _ = client.readOnce()
                }
            }
        }
        let drained = await eventually { openSockets(ports: watched) == 0 }
        #expect(drained, "sockets still open: \(openSockets(ports: watched))")
        let remaining = await eventually { (try? await server.server.collection.connectionCount(of: "l-echo")) == 0 }
        #expect(remaining)
    }

    /// `enabled: false` takes the proxy down (connections refused); enabling brings it back on the same port.
    @Test func disableAndEnable() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "toggle", upstream: upstream.address)
        let open = try await connect(port)
        #expect(try await exchange(open, "up") == "up")
        let down = try await server.api("POST", "/proxies/toggle", body: #"{"enabled":false}"#)
        #expect(down.status == 200)
        #expect(down.body.contains("\"enabled\":false"))
        #expect(try await blocking { open.readToEnd().end } == .closed)
        await #expect(throws: TestError.self) { _ = try await connect(port) }
        let up = try await server.api("PATCH", "/proxies/toggle", body: #"{"enabled":true}"#)
        #expect(up.status == 200)
        #expect(try await exchange(try await connect(port), "back") == "back")
    }

    /// The same seed gives the same faults: http_error at toxicity 0.5 hits the same requests in two daemons.
    @Test func seedReproducesToxicity() async throws {
        func statuses(seed: UInt64) async throws -> [Int] {
            let upstream = try await TestUpstream(.http(body: "upstream ok"))
            let server = try await RunningServer.start(seed: seed)
            defer { Task { await server.stop(); await upstream.close() } }
            let port = try await createProxy(server, name: "web", upstream: upstream.address)
            let add = try await server.api("POST", "/proxies/web/toxics",
                                           body: #"{"type":"http_error","toxicity":0.5,"attributes":{"status_code":503}}"#)
            #expect(add.status == 200)
            return try await blocking {
                try (0..<24).map { _ in
                    try RawHTTP.raw(port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status
                }
            }
        }
        let first = try await statuses(seed: 1234)
        #expect(first.contains(503) && first.contains(200))
        #expect(try await statuses(seed: 1234) == first)
    }

    /// A non-loopback API without a token is refused before anything binds.
    @Test func nonLoopbackNeedsToken() async throws {
        let server = FaultProxyServer(configuration: ProxyServerConfiguration(host: "0.0.0.0", port: 0), logger: Logger(label: "t"))
        await #expect(throws: ProxyServerError.self) { try await server.start() }
    }

    /// With a token every request must carry it (401 otherwise); browsers get 403.
    @Test func tokenAndBrowserGuard() async throws {
        let server = try await RunningServer.start(token: "s3cret")
        defer { Task { await server.stop() } }
        let anonymous = try await server.api("GET", "/proxies")
        #expect(anonymous.status == 401)
        #expect(anonymous.body.contains("\"status\":401"))
        let wrong = try await server.api("GET", "/version", headers: ["Authorization": "Bearer nope"])
        #expect(wrong.status == 401)
        let good = try await server.api("GET", "/proxies", headers: ["Authorization": "Bearer s3cret"])
        #expect(good.status == 200)
        let browser = try await server.api("GET", "/proxies", headers: [
            "Authorization": "Bearer s3cret", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)",
        ])
        #expect(browser.status == 403)
    }

    /// `/metrics` counts connections, bytes and toxic firings per proxy.
    @Test func metricsCountTraffic() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let port = try await createProxy(server, name: "counted", upstream: upstream.address)
        _ = try await server.api("POST", "/proxies/counted/toxics", body: #"{"type":"latency","attributes":{"latency":1}}"#)
        #expect(try await exchange(try await connect(port), "12345") == "12345")
        let metrics = try await server.api("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"gameday_proxy_connections_total{proxy="counted"} 1"#))
        #expect(metrics.body.contains(#"gameday_proxy_bytes_total{proxy="counted",stream="upstream"} 5"#))
        #expect(metrics.body.contains(#"gameday_proxy_toxic_fired_total{proxy="counted",toxic="latency_downstream",type="latency"} 1"#))
    }

    /// `--config` populates proxies at start; a broken file fails start with a clear error.
    @Test func configFilePopulates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-proxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.json").path
        try #"[{"name":"db","listen":"127.0.0.1:0","upstream":"127.0.0.1:5432"}]"#.write(toFile: good, atomically: true, encoding: .utf8)
        let bad = directory.appendingPathComponent("bad.json").path
        try #"[{"name":"db"}]"#.write(toFile: bad, atomically: true, encoding: .utf8)

        let server = FaultProxyServer(configuration: ProxyServerConfiguration(port: 0, configFile: good), logger: Logger(label: "t"))
        _ = try await server.start()
        let listen = try await server.collection.listenAddress(of: "db")
        #expect(listenPort(listen) > 0)
        await server.shutdown()

        let broken = FaultProxyServer(configuration: ProxyServerConfiguration(port: 0, configFile: bad), logger: Logger(label: "t"))
        await #expect(throws: ProxyServerError.self) { try await broken.start() }
    }
}
