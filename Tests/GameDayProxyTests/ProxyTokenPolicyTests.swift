import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing
@testable import GameDayProxy

/// The token decisions as pure functions, and the run's in-process proxy wiring (registry, recipe, token).
struct ProxyTokenPolicyTests {
    /// The token goes to https and loopback APIs only; plain http elsewhere is refused with the reason; no token, no
    /// decision to make.
    @Test func decisions() {
        let token = "0123456789abcdef"
        #expect(ProxyTokenPolicy.decide(api: "http://127.0.0.1:8474", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "http://127.9.9.9:8474/", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "http://localhost:8474", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "http://[::1]:8474", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "https://10.0.0.5:8474", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "HTTPS://proxy.internal", token: token) == .send(token))
        #expect(ProxyTokenPolicy.decide(api: "http://10.0.0.5:8474", token: nil) == .none)
        #expect(ProxyTokenPolicy.decide(api: "http://10.0.0.5:8474", token: "") == .none)
        guard case .refuse(let reason) = ProxyTokenPolicy.decide(api: "http://10.0.0.5:8474", token: token) else {
            Issue.record("plain http to 10.0.0.5 must be refused"); return
        }
        #expect(reason.contains("refusing to send GAMEDAY_PROXY_TOKEN over plain http to 10.0.0.5"))
        #expect(reason.contains("https") && reason.contains("loopback"))
        for api in ["http://127.example.com:8474", "http://0.0.0.0:8474", "http://[::]:8474", "http://proxy:8474", "http://localhost.evil.com"] {
            guard case .refuse = ProxyTokenPolicy.decide(api: api, token: token) else { Issue.record("\(api) must be refused"); continue }
        }
    }

    /// Loopback means a loopback literal: 127.0.0.0/8, ::1 (any spelling), localhost; never a name that could resolve
    /// elsewhere.
    @Test func loopbackHosts() {
        for host in ["127.0.0.1", "127.255.0.3", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::0:1", "localhost", "LOCALHOST"] {
            #expect(LoopbackHost.contains(host), "\(host)")
        }
        for host in ["127.example.com", "127.0.0.1.nip.io", "128.0.0.1", "0.0.0.0", "::", "::2", "1::1", "127.0.0", "127.0.0.256",
                     "localhost.evil.com", "", "10.0.0.5", "::ffff:10.0.0.5", "fe80::1%lo"] {
            #expect(!LoopbackHost.contains(host), "\(host)")
        }
    }

    /// Recipes journaled before `inProcess` existed decode as `api:` proxies; `inProcess` is written only when true.
    @Test func recipeDecodingDefault() throws {
        let old = try JSONDecoder().decode(ProxyRevert.self, from: Data(#"{"api":"http://127.0.0.1:1","proxy":"db","toxic":"t"}"#.utf8))
        #expect(old == ProxyRevert(api: "http://127.0.0.1:1", proxy: "db", toxic: "t", inProcess: false))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let plain = String(decoding: try encoder.encode(old), as: UTF8.self)
        #expect(plain == #"{"api":"http:\/\/127.0.0.1:1","proxy":"db","toxic":"t"}"#)
        let marked = ProxyRevert(api: "http://127.0.0.1:1", proxy: "db", toxic: nil, inProcess: true)
        let text = String(decoding: try encoder.encode(marked), as: UTF8.self)
        #expect(text.contains(#""inProcess":true"#))
        #expect(try JSONDecoder().decode(ProxyRevert.self, from: Data(text.utf8)) == marked)
    }

    /// An in-process proxy (token known only to the registry): the injector sends the token, marks the recipe
    /// `inProcess` without the token in it, the reverter removes the toxic with it; once the server is gone (not
    /// registered), the same recipe is an explained success.
    @Test func inProcessProxyUsesItsOwnToken() async throws {
        let configuration = ProxyServerConfiguration.inProcess(seed: 3)
        let token = try #require(configuration.token)
        #expect(token.count == 32 && token.allSatisfy(\.isHexDigit))
        #expect(ProxyServerConfiguration.inProcess().token != token, "each run draws a fresh token")
        let server = FaultProxyServer(configuration: configuration, logger: .init(label: "t"))
        let address = try await server.start()
        defer { Task { await server.shutdown() } }
        _ = try await server.createProxy(name: "db", listen: "127.0.0.1:0", upstream: "127.0.0.1:5432")
        let api = "http://\(address)"
        let registry = InProcessProxyRegistry()
        registry.register(api: api, token: token)

        let fault = ProxyLatency.fault(attributes: ["latency": .number(5)])
        let step = ScheduledStep(index: 2, name: "slow", fault: fault, targets: [], proxy: ProxySpec(name: "db"),
                                 injectAt: .seconds(0), revertAt: .seconds(1))
        // An unrelated GAMEDAY_PROXY_TOKEN does not matter for the run's own proxy.
        let prepared = try await ProxyInjector(token: "other", inProcess: registry).prepare(
            step: step, target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": api]))
        #expect(prepared.recipe == .proxy(ProxyRevert(api: api, proxy: "db", toxic: "gameday-r-2", inProcess: true)))
        let journaled = String(decoding: try JSONEncoder().encode(prepared.recipe), as: UTF8.self) + prepared.description
        #expect(!journaled.contains(token))
        _ = try await prepared.apply()
        let port = Int(address.split(separator: ":").last ?? "") ?? 0
        let anonymous = try await blocking { try RawHTTP.request(port: port, "DELETE", "/proxies/db/toxics/gameday-r-2") }
        #expect(anonymous.status == 401)
        let shown = try await blocking { try RawHTTP.request(port: port, "GET", "/proxies/db/toxics/gameday-r-2", headers: ["Authorization": "Bearer \(token)"]) }
        #expect(shown.status == 200)

        let reverter = ProxyReverter(token: nil, inProcess: registry)
        #expect(try await reverter.revert(prepared.recipe)?.contains("removed") == true)
        registry.unregister(api: api + "/")
        #expect(try await reverter.revert(prepared.recipe)?.contains("died with the run") == true)
    }
}
