import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import Testing
@testable import GameDayProxy

/// Where the plan-side client sends `GAMEDAY_PROXY_TOKEN`, and how a dead run's in-process proxy is reverted.
struct ProxyTokenTests {
    private func step(_ fault: ProxyFault) -> ScheduledStep {
        ScheduledStep(index: 0, name: "slow-db", fault: .proxy(fault), targets: [], proxy: ProxySpec(name: "db"),
                      injectAt: .seconds(0), revertAt: .seconds(10))
    }

    private let latency = ProxyFault(type: .latency, attributes: ["latency": .number(5)])

    /// With a token set, a plain-http API on another host fails the step before anything is sent (nothing to leak).
    @Test func tokenIsNotSentOverPlainHTTPToAnotherHost() async throws {
        for fault in [latency, ProxyFault(type: .down)] {
            do {
                // prepare() only; apply() is never called, so nothing is ever sent to 10.0.0.5.
                _ = try await ProxyInjector(token: "0123456789abcdef").prepare(
                    step: step(fault), target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": "http://10.0.0.5:8474"]))
                Issue.record("a plain-http non-loopback API with a token set must be refused")
            } catch {
                #expect("\(error)".contains("refusing to send GAMEDAY_PROXY_TOKEN over plain http to 10.0.0.5"), "\(error)")
            }
        }
        // Without a token there is nothing to protect: the step prepares as before.
        _ = try await ProxyInjector(token: nil).prepare(
            step: step(latency), target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": "http://10.0.0.5:8474"]))
        // Over https the token is protected in transit.
        _ = try await ProxyInjector(token: "0123456789abcdef").prepare(
            step: step(latency), target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": "https://proxy.example:8474"]))
    }

    /// To a loopback API the token is sent (a real daemon with that token accepts the injector's calls).
    @Test func tokenIsSentToALoopbackAPI() async throws {
        let token = "5f0e1d2c3b4a59687766554433221100"
        let server = try await RunningServer.start(token: token)
        defer { Task { await server.stop() } }
        _ = try await server.server.createProxy(name: "db", listen: "127.0.0.1:0", upstream: "127.0.0.1:5432")
        for api in ["http://127.0.0.1:\(server.port)", "http://localhost:\(server.port)"] {
            let prepared = try await ProxyInjector(token: token).prepare(
                step: step(latency), target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": api]))
            _ = try await prepared.apply()
            let shown = try await server.api("GET", "/proxies/db/toxics/gameday-r-0", headers: ["Authorization": "Bearer \(token)"])
            #expect(shown.status == 200, "\(api): \(shown.body)")
            #expect(try await ProxyReverter(token: token).revert(prepared.recipe)?.contains("removed") == true)
        }
    }

    /// `gameday recover` on a dead run's in-process proxy: the proxy died with the run, so the revert succeeds with
    /// that explanation and sends nothing to the old port; an `api:` proxy's recipe on a dead port still fails.
    @Test func deadInProcessProxyIsAnExplainedRevert() async throws {
        let port = freeLoopbackPort()
        let journaled = #"{"proxy":{"_0":{"api":"http://127.0.0.1:\#(port)","proxy":"db","toxic":"gameday-r-0","inProcess":true}}}"#
        let recipe = try JSONDecoder().decode(RevertRecipe.self, from: Data(journaled.utf8))
        let detail = try await ProxyReverter().revert(recipe)
        #expect(detail?.contains("the in-process proxy died with the run; nothing left to revert") == true, "\(detail ?? "nil")")
        let down = #"{"proxy":{"_0":{"api":"http://127.0.0.1:\#(port)","proxy":"db","inProcess":true}}}"#
        let downDetail = try await ProxyReverter().revert(try JSONDecoder().decode(RevertRecipe.self, from: Data(down.utf8)))
        #expect(downDetail?.contains("died with the run") == true)

        // An old journal's recipe (no inProcess) is an `api:` proxy: a dead port is a failed revert, as before.
        let old = #"{"proxy":{"_0":{"api":"http://127.0.0.1:\#(port)","proxy":"db","toxic":"gameday-r-0"}}}"#
        let oldRecipe = try JSONDecoder().decode(RevertRecipe.self, from: Data(old.utf8))
        await #expect(throws: ProxyClientError.self) { _ = try await ProxyReverter().revert(oldRecipe) }
    }
}
