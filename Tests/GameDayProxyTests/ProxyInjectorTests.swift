import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing
@testable import GameDayProxy

/// The plan-side client against a real in-process daemon, over the Toxiproxy-compatible API only.
struct ProxyInjectorTests {
    private func step(_ fault: Fault, index: Int = 3) -> ScheduledStep {
        ScheduledStep(index: index, name: "slow-db", fault: fault, targets: [], proxy: ProxySpec(name: "db"),
                      injectAt: .seconds(0), revertAt: .seconds(10))
    }

    private func start() async throws -> (RunningServer, String) {
        let server = try await RunningServer.start()
        _ = try await server.server.createProxy(name: "db", listen: "127.0.0.1:0", upstream: "127.0.0.1:5432")
        return (server, "http://127.0.0.1:\(server.port)")
    }

    /// A latency step becomes toxic gameday-<run>-<step> with Toxiproxy attributes; revert deletes it, twice safely.
    @Test func latencyAppliesAndReverts() async throws {
        let (server, api) = try await start()
        defer { Task { await server.stop() } }
        let fault = ProxyLatency.fault(stream: .downstream, toxicity: 1,
                               attributes: ["latency": .number(400), "jitter": .number(50)])
        let prepared = try await ProxyInjector().prepare(step: step(fault), target: nil,
                                                         context: InjectionContext(runID: "r1", proxyAPIs: ["db": api]))
        #expect(prepared.recipe == .proxy(ProxyRevert(api: api, proxy: "db", toxic: "gameday-r1-3")))
        _ = try await prepared.apply()
        let shown = try await server.api("GET", "/proxies/db/toxics/gameday-r1-3")
        #expect(shown.status == 200)
        #expect(shown.body.contains(#""latency":400"#) && shown.body.contains(#""jitter":50"#))
        // Applying again (a retried step) updates in place instead of failing.
        _ = try await prepared.apply()

        let reverter = ProxyReverter()
        let first = try await reverter.revert(prepared.recipe)
        #expect(first?.contains("removed") == true)
        #expect(try await server.api("GET", "/proxies/db/toxics/gameday-r1-3").status == 404)
        let second = try await reverter.revert(prepared.recipe)
        #expect(second?.contains("already gone") == true)
    }

    /// `down` disables the proxy; its revert re-enables it.
    @Test func downDisablesAndReenables() async throws {
        let (server, api) = try await start()
        defer { Task { await server.stop() } }
        let prepared = try await ProxyInjector().prepare(step: step(ProxyDown.fault()), target: nil,
                                                         context: InjectionContext(runID: "r2", proxyAPIs: ["db": api]))
        #expect(prepared.recipe == .proxy(ProxyRevert(api: api, proxy: "db", toxic: nil)))
        _ = try await prepared.apply()
        #expect(try await server.api("GET", "/proxies/db").body.contains(#""enabled":false"#))
        _ = try await ProxyReverter().revert(prepared.recipe)
        #expect(try await server.api("GET", "/proxies/db").body.contains(#""enabled":true"#))
    }

    /// http-error always goes on the upstream stream, where requests are read.
    @Test func httpErrorUsesUpstream() async throws {
        let (server, api) = try await start()
        defer { Task { await server.stop() } }
        let fault = ProxyHTTPError.fault(toxicity: 0.5, attributes: ["status_code": .number(503)])
        let prepared = try await ProxyInjector().prepare(step: step(fault, index: 0), target: nil,
                                                         context: InjectionContext(runID: "r3", proxyAPIs: ["db": api]))
        _ = try await prepared.apply()
        let shown = try await server.api("GET", "/proxies/db/toxics/gameday-r3-0")
        #expect(shown.body.contains(#""stream":"upstream""#))
        #expect(shown.body.contains(#""toxicity":0.5"#))
    }

    /// Errors say what went wrong: unknown API, unreachable API, a proxy the daemon does not have.
    @Test func clearErrors() async throws {
        let fault = ProxyLatency.fault(attributes: ["latency": .number(1)])
        await #expect(throws: ProxyClientError.self) {
            _ = try await ProxyInjector().prepare(step: step(fault), target: nil, context: InjectionContext(runID: "r"))
        }
        let unreachable = try await ProxyInjector().prepare(step: step(fault), target: nil,
                                                            context: InjectionContext(runID: "r", proxyAPIs: ["db": "http://127.0.0.1:1"]))
        await #expect(throws: ProxyClientError.self) { _ = try await unreachable.apply() }

        let server = try await RunningServer.start()
        defer { Task { await server.stop() } }
        let noProxy = try await ProxyInjector().prepare(step: step(fault), target: nil,
                                                        context: InjectionContext(runID: "r", proxyAPIs: ["db": "http://127.0.0.1:\(server.port)"]))
        do {
            _ = try await noProxy.apply()
            Issue.record("expected an error")
        } catch let error as ProxyClientError {
            #expect(error.description.contains("404") && error.description.contains("proxy not found"))
        }
    }
}
