import Foundation
import GameDayCore
import Testing
@testable import GameDayProxy

/// What API callers may make a daemon hold, with its default limits, over real HTTP: loopback listeners only, and
/// caps on proxies, toxics, names and body size, each a clear 4xx JSON error.
struct ProxyLimitsTests {
    private func error(_ reply: RawHTTP.Reply) -> String {
        guard case .object(let object)? = try? RawHTTP.json(reply.body) else { return "" }
        return object["error"]?.stringValue ?? ""
    }

    private func proxyNames(_ server: RunningServer) async throws -> [String] {
        guard case .object(let proxies) = try RawHTTP.json(try await server.api("GET", "/proxies").body) else { return [] }
        return proxies.keys.sorted()
    }

    /// `POST /proxies`, `POST /populate` and a proxy update with a non-loopback listen address are 403 (nothing bound).
    @Test func remoteListenersAreRefused() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        for listen in ["0.0.0.0:0", "[::]:0", "10.255.255.1:0"] {
            let reply = try await server.api("POST", "/proxies", body: #"{"name":"exposed","listen":"\#(listen)","upstream":"127.0.0.1:1"}"#)
            #expect(reply.status == 403, "\(listen): \(reply.status) \(reply.body)")
            #expect(error(reply).contains("--allow-remote-listen"), "\(listen): \(reply.body)")
        }
        let populated = try await server.api("POST", "/populate", body: #"[{"name":"a","listen":"127.0.0.1:0","upstream":"127.0.0.1:1"},{"name":"b","listen":"0.0.0.0:0","upstream":"127.0.0.1:1"}]"#)
        #expect(populated.status == 403)
        #expect(try await proxyNames(server) == [], "populate touches nothing when one listener is refused")

        #expect(try await server.api("POST", "/proxies", body: #"{"name":"local","listen":"localhost:0","upstream":"127.0.0.1:1"}"#).status == 201)
        let moved = try await server.api("PATCH", "/proxies/local", body: #"{"listen":"0.0.0.0:0"}"#)
        #expect(moved.status == 403)
        let local = try await server.server.collection.listenAddress(of: "local")
        #expect(local.hasPrefix("127.0.0.1:"))
    }

    /// The 257th proxy is 409 (by `POST /proxies` and by `POST /populate`); deleting one makes room again.
    @Test func proxyCountIsCapped() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let items = (0..<256).map { #"{"name":"p\#($0)","listen":"127.0.0.1:0","upstream":"127.0.0.1:1","enabled":false}"# }
        let populated = try await server.api("POST", "/populate", body: "[" + items.joined(separator: ",") + "]")
        #expect(populated.status == 201, "\(populated.body.prefix(200))")
        let one = try await server.api("POST", "/proxies", body: #"{"name":"extra","upstream":"127.0.0.1:1","enabled":false}"#)
        #expect(one.status == 409, "\(one.status) \(one.body)")
        #expect(error(one).contains("at most 256"))
        let more = try await server.api("POST", "/populate", body: #"[{"name":"extra","upstream":"127.0.0.1:1","enabled":false}]"#)
        #expect(more.status == 409)
        // Replacing existing proxies is not growth.
        let replace = try await server.api("POST", "/populate", body: #"[{"name":"p0","listen":"127.0.0.1:0","upstream":"127.0.0.1:2","enabled":false}]"#)
        #expect(replace.status == 201, "\(replace.body)")
        #expect(try await server.api("DELETE", "/proxies/p1").status == 204)
        #expect(try await server.api("POST", "/proxies", body: #"{"name":"extra","upstream":"127.0.0.1:1","enabled":false}"#).status == 201)
    }

    /// The 65th toxic on one proxy is 409; the proxy keeps its 64.
    @Test func toxicsPerProxyAreCapped() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        #expect(try await server.api("POST", "/proxies", body: #"{"name":"db","upstream":"127.0.0.1:1","enabled":false}"#).status == 201)
        for index in 0..<64 {
            let reply = try await server.api("POST", "/proxies/db/toxics", body: #"{"name":"t\#(index)","type":"latency","attributes":{"latency":1}}"#)
            #expect(reply.status == 200, "toxic \(index): \(reply.status) \(reply.body)")
        }
        let extra = try await server.api("POST", "/proxies/db/toxics", body: #"{"name":"t64","type":"latency"}"#)
        #expect(extra.status == 409, "\(extra.status) \(extra.body)")
        #expect(error(extra).contains("at most 64"))
        guard case .array(let toxics) = try RawHTTP.json(try await server.api("GET", "/proxies/db/toxics").body) else {
            Issue.record("no toxic list"); return
        }
        #expect(toxics.count == 64)
    }

    /// Proxy and toxic names are 1-128 characters of letters, digits, '.', '_' and '-': others are 400.
    @Test func namesAreBounded() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let longest = String(repeating: "n", count: 128)
        #expect(try await server.api("POST", "/proxies", body: #"{"name":"\#(longest)","upstream":"127.0.0.1:1","enabled":false}"#).status == 201)
        for bad in [String(repeating: "n", count: 129), "semi;colon", "quote'd", "caf\u{e9}", "dollar$", "back\\\\slash"] {
            let reply = try await server.api("POST", "/proxies", body: #"{"name":"\#(bad)","upstream":"127.0.0.1:1","enabled":false}"#)
            #expect(reply.status == 400, "\(bad): \(reply.status) \(reply.body)")
            #expect(error(reply).contains("letters, digits"), "\(bad): \(reply.body)")
        }
        #expect(try await server.api("POST", "/proxies", body: #"{"name":"db","upstream":"127.0.0.1:1","enabled":false}"#).status == 201)
        let toxic = try await server.api("POST", "/proxies/db/toxics", body: #"{"name":"\#(String(repeating: "t", count: 129))","type":"latency"}"#)
        #expect(toxic.status == 400, "\(toxic.status) \(toxic.body)")
        #expect(try await server.api("POST", "/proxies/db/toxics", body: #"{"name":"t;x","type":"latency"}"#).status == 400)
    }

    /// A request body over 64 KiB is 413 even when it is otherwise a valid request.
    @Test func bodySizeIsCapped() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let padding = String(repeating: "x", count: 70 * 1024)
        let reply = try await server.api("POST", "/proxies", body: #"{"name":"big","upstream":"127.0.0.1:1","enabled":false,"note":"\#(padding)"}"#)
        #expect(reply.status == 413, "\(reply.status) \(reply.body.prefix(200))")
        #expect(try await proxyNames(server) == [])
    }

    /// Only literal loopback hosts count as loopback for the API's own address (a name like 127.example.com could
    /// resolve anywhere, so binding it needs a token).
    @Test func loopbackMeansLiteralLoopback() {
        #expect(ProxyServerConfiguration(host: "127.0.0.1").bindsLoopback)
        #expect(ProxyServerConfiguration(host: "127.1.2.3").bindsLoopback)
        #expect(ProxyServerConfiguration(host: "::1").bindsLoopback)
        #expect(ProxyServerConfiguration(host: "localhost").bindsLoopback)
        #expect(!ProxyServerConfiguration(host: "127.example.com").bindsLoopback)
        #expect(!ProxyServerConfiguration(host: "127.0.0.1.nip.io").bindsLoopback)
        #expect(!ProxyServerConfiguration(host: "0.0.0.0").bindsLoopback)
        #expect(!ProxyServerConfiguration(host: "::").bindsLoopback)
    }
}
