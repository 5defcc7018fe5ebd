import Foundation
import GameDayCore
import Testing
@testable import GameDayProxy

/// The Toxiproxy-compatible API over real HTTP: routes, JSON shapes, status codes, error bodies, bad input.
struct ControlAPITests {
    private func object(_ reply: RawHTTP.Reply) throws -> [String: JSONValue] {
        guard case .object(let object) = try RawHTTP.json(reply.body) else { throw TestError("not an object: \(reply.body)") }
        return object
    }

    /// Proxy routes: create (201, listen resolved), conflict (409), list, show, partial update, delete, 404s.
    @Test func proxyRoutes() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let created = try await server.api("POST", "/proxies", body: #"{"name":"db","listen":"localhost:0","upstream":"127.0.0.1:5432"}"#)
        #expect(created.status == 201)
        let proxy = try object(created)
        #expect(proxy["name"] == .string("db"))
        #expect(proxy["enabled"] == .bool(true))
        #expect(proxy["toxics"] == .array([]))
        let listen = try #require(proxy["listen"]?.stringValue)
        #expect(listen.hasPrefix("127.0.0.1:") && listenPort(listen) > 0)

        let duplicate = try await server.api("POST", "/proxies", body: #"{"name":"db","upstream":"127.0.0.1:1"}"#)
        #expect(duplicate.status == 409)
        #expect(try object(duplicate) == ["error": .string("proxy already exists"), "status": .number(409)])

        let list = try object(try await server.api("GET", "/proxies"))
        #expect(list.keys.sorted() == ["db"])

        let moved = try await server.api("PATCH", "/proxies/db", body: #"{"upstream":"127.0.0.1:6543"}"#)
        #expect(moved.status == 200)
        let after = try object(moved)
        #expect(after["upstream"] == .string("127.0.0.1:6543"))
        #expect(after["listen"] == .string(listen))

        #expect(try await server.api("DELETE", "/proxies/db").status == 204)
        let gone = try await server.api("GET", "/proxies/db")
        #expect(gone.status == 404)
        #expect(try object(gone) == ["error": .string("proxy not found"), "status": .number(404)])
        let missing = try await server.api("POST", "/proxies", body: #"{"name":"x"}"#)
        #expect(missing.status == 400)
        #expect(try object(missing)["error"] == .string("missing required field: upstream"))
    }

    /// Toxic routes: defaults (name type_stream, downstream, toxicity 1), show, partial update, delete, errors.
    @Test func toxicRoutes() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        _ = try await server.api("POST", "/proxies", body: #"{"name":"web","listen":"127.0.0.1:0","upstream":"127.0.0.1:80"}"#)
        let created = try await server.api("POST", "/proxies/web/toxics", body: #"{"type":"latency","attributes":{"latency":100}}"#)
        #expect(created.status == 200)
        #expect(try object(created) == [
            "name": .string("latency_downstream"), "type": .string("latency"), "stream": .string("downstream"),
            "toxicity": .number(1), "attributes": .object(["latency": .number(100), "jitter": .number(0)]),
        ])
        let again = try await server.api("POST", "/proxies/web/toxics", body: #"{"type":"latency"}"#)
        #expect(again.status == 409)
        #expect(try object(again)["error"] == .string("toxic already exists"))

        let patched = try await server.api("PATCH", "/proxies/web/toxics/latency_downstream",
                                           body: #"{"attributes":{"jitter":5},"toxicity":0.5}"#)
        #expect(patched.status == 200)
        let toxic = try object(patched)
        #expect(toxic["attributes"] == .object(["latency": .number(100), "jitter": .number(5)]))
        #expect(toxic["toxicity"] == .number(0.5))
        let posted = try await server.api("POST", "/proxies/web/toxics/latency_downstream", body: #"{"attributes":{"latency":7}}"#)
        #expect(try object(posted)["attributes"] == .object(["latency": .number(7), "jitter": .number(5)]))

        let list = try RawHTTP.json(try await server.api("GET", "/proxies/web/toxics").body)
        guard case .array(let toxics) = list else { Issue.record("not an array"); return }
        #expect(toxics.count == 1)
        #expect(try await server.api("GET", "/proxies/web/toxics/latency_downstream").status == 200)

        let stream = try await server.api("POST", "/proxies/web/toxics", body: #"{"type":"latency","stream":"sideways"}"#)
        #expect(stream.status == 400)
        #expect(try object(stream)["error"] == .string("stream was invalid, can be either upstream or downstream"))
        let unknown = try await server.api("POST", "/proxies/web/toxics", body: #"{"type":"noop"}"#)
        #expect(unknown.status == 400)
        #expect(try object(unknown)["error"]?.stringValue?.hasPrefix("invalid toxic type") == true)

        #expect(try await server.api("DELETE", "/proxies/web/toxics/latency_downstream").status == 204)
        let deleted = try await server.api("DELETE", "/proxies/web/toxics/latency_downstream")
        #expect(deleted.status == 404)
        #expect(try object(deleted) == ["error": .string("toxic not found"), "status": .number(404)])
    }

    /// Populate creates or replaces proxies (201 {"proxies": [...]}); reset removes toxics and enables everything.
    @Test func populateAndReset() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let body = #"[{"name":"a","listen":"127.0.0.1:0","upstream":"127.0.0.1:1"},{"name":"b","listen":"127.0.0.1:0","upstream":"127.0.0.1:2","enabled":false}]"#
        let populated = try await server.api("POST", "/populate", body: body)
        #expect(populated.status == 201)
        guard case .array(let proxies)? = try object(populated)["proxies"] else { Issue.record("no proxies"); return }
        #expect(proxies.count == 2)
        let invalid = try await server.api("POST", "/populate", body: #"[{"name":"c"}]"#)
        #expect(invalid.status == 400)
        #expect(try object(invalid)["error"] == .string("missing required field: upstream at proxy 1"))

        _ = try await server.api("POST", "/proxies/a/toxics", body: #"{"type":"timeout","stream":"upstream"}"#)
        #expect(try await server.api("POST", "/reset").status == 204)
        let b = try object(try await server.api("GET", "/proxies/b"))
        #expect(b["enabled"] == .bool(true))
        let a = try object(try await server.api("GET", "/proxies/a"))
        #expect(a["toxics"] == .array([]))
    }

    /// /version reports a Toxiproxy 2.x level of at least 2.6.0 as JSON.
    @Test func versionIsCompatible() async throws {
        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let reply = try await server.api("GET", "/version")
        #expect(reply.status == 200)
        let version = try #require(try object(reply)["version"]?.stringValue)
        let parts = version.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3 && parts[0] == 2 && parts[1] >= 6)
    }

    /// 1,200 generated bad requests each get a 4xx JSON error; the daemon and a proxied connection keep working.
    @Test func survivesBadInput() async throws {
        let upstream = try await TestUpstream(.echo)
        let server = try await RunningServer.start()
        defer { Task { await server.stop(); await upstream.close() } }
        let listen = try await server.server.createProxy(name: "keep", listen: "127.0.0.1:0", upstream: upstream.address)
        let port = server.port
        let proxyPort = listenPort(listen)
        let live = try await blocking { try BlockingClient(port: proxyPort) }
        // A slow client: half a request, left hanging while the barrage runs.
        let slow = try await blocking { () -> BlockingClient in
            let client = try BlockingClient(port: port)
            try client.send("POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"na")
            return client
        }

        let bodies: [String] = [
            "", "{", "}", "[", "null", "42", "\"text\"", "[1,2]", "{\"name\":", "{\"name\":1,\"upstream\":\"127.0.0.1:1\"}",
            "{\"name\":\"x\",\"upstream\":true}", "{\"name\":\"x\",\"upstream\":\"no-port\"}",
            "{\"name\":\"x\",\"upstream\":\"127.0.0.1:99999\"}", "{\"name\":\"a/b\",\"upstream\":\"127.0.0.1:1\"}",
            "{\"name\":\"x\",\"upstream\":\"127.0.0.1:1\",\"enabled\":\"yes\"}", "{\"name\":\"x\",\"upstream\":\"127.0.0.1:1\",\"listen\":7}",
            String(repeating: "[", count: 5000), "{\"a\":" + String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 101),
            "\u{00}\u{01}\u{02}", "{\"name\":\"\u{1F600}\"", "{'single':'quotes'}", "{\"name\":\"x\",}",
        ]
        let toxicBodies: [String] = [
            "{\"type\":\"nope\"}", "{\"type\":7}", "{\"type\":\"latency\",\"stream\":\"both\"}", "{\"type\":\"latency\",\"stream\":1}",
            "{\"type\":\"latency\",\"toxicity\":2}", "{\"type\":\"latency\",\"toxicity\":\"high\"}", "{\"type\":\"latency\",\"toxicity\":-0.1}",
            "{\"type\":\"latency\",\"attributes\":[]}", "{\"type\":\"latency\",\"attributes\":{\"latency\":\"1s\"}}",
            "{\"type\":\"latency\",\"attributes\":{\"latency\":-5}}", "{\"type\":\"latency\",\"attributes\":{\"latency\":1.5}}",
            "{\"type\":\"bandwidth\",\"attributes\":{\"rate\":true}}", "{\"type\":\"slicer\",\"attributes\":{\"average_size\":0}}",
            "{\"type\":\"slicer\",\"attributes\":{\"average_size\":5,\"size_variation\":5}}",
            "{\"type\":\"http_error\",\"attributes\":{\"status_code\":1000}}", "{\"type\":\"http_error\",\"stream\":\"downstream\"}",
            "{\"type\":\"http_error\",\"attributes\":{\"headers\":{\"A\":1}}}", "{\"type\":\"limit_data\",\"attributes\":{\"bytes\":1e300}}",
            "not json at all", "[]", "",
        ]
        let patchBodies: [String] = [
            "", "{", "[1]", "7", "{\"upstream\":5}", "{\"listen\":\"nowhere\"}", "{\"enabled\":\"no\"}",
            "{\"upstream\":\"127.0.0.1:70000\"}", String(repeating: "{\"a\":", count: 64),
        ]
        var requests: [(String, String, String?)] = []
        var seed = SeededGenerator(seed: 99)
        while requests.count < 1200 {
            let pick = Int(seed.next() % 10)
            switch pick {
            case 0...2: requests.append(("POST", "/proxies", bodies[Int(seed.next() % UInt64(bodies.count))]))
            case 3...5: requests.append(("POST", "/proxies/keep/toxics", toxicBodies[Int(seed.next() % UInt64(toxicBodies.count))]))
            case 6: requests.append(("PATCH", "/proxies/keep", patchBodies[Int(seed.next() % UInt64(patchBodies.count))]))
            case 7: requests.append(("POST", "/populate", bodies[Int(seed.next() % UInt64(bodies.count))]))
            case 8:
                let paths = ["/proxies/none", "/proxies/none/toxics", "/proxies/keep/toxics/none", "/nothing", "/proxies/keep/x/y/z"]
                let methods = ["GET", "DELETE", "PATCH", "POST"]
                requests.append((methods[Int(seed.next() % 4)], paths[Int(seed.next() % UInt64(paths.count))], "{}"))
            default: requests.append(("PATCH", "/proxies/keep/toxics/none", toxicBodies[Int(seed.next() % UInt64(toxicBodies.count))]))
            }
        }
        let generated = requests
        let replies = try await blocking {
            try generated.map { request in
                (request, try RawHTTP.request(port: port, request.0, request.1, body: request.2))
            }
        }
        var failures: [String] = []
        for (request, reply) in replies {
            let json = try? RawHTTP.json(reply.body)
            let isError: Bool
            if case .object(let object)? = json, object["error"]?.stringValue != nil, object["status"] == .number(Double(reply.status)) {
                isError = true
            } else {
                isError = false
            }
            if !(400..<500).contains(reply.status) || !isError {
                failures.append("\(request.0) \(request.1) \(request.2?.prefix(60) ?? "") -> \(reply.status) \(reply.body.prefix(120))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) bad requests not answered with a 4xx JSON error, e.g. \(failures.prefix(5))")

        // A body over the limit is a 413 JSON error.
        let huge = String(repeating: "x", count: (1 << 20) + 10)
        let tooLarge = try await server.api("POST", "/proxies", body: huge)
        #expect(tooLarge.status == 413)
        // Garbage that is not HTTP is refused without harm.
        _ = try? await blocking { try RawHTTP.raw(port: port, "\u{16}\u{03}\u{01}\u{02}\u{00} garbage\r\n\r\n") }

        // Still alive: the API answers, the proxied connection still relays, and no proxy was created by mistake.
        let list = try await server.api("GET", "/proxies")
        #expect(list.status == 200)
        guard case .object(let proxies) = try RawHTTP.json(list.body) else { Issue.record("bad list"); return }
        #expect(proxies.keys.sorted() == ["keep"])
        let echoed = try await blocking { () -> String in
            try live.send("alive")
            return String(decoding: live.read(count: 5), as: UTF8.self)
        }
        #expect(echoed == "alive")
        _ = slow
    }
}
