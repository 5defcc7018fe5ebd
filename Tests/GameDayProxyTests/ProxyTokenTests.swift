import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing
@testable import GameDayProxy
import GameDayTestSupport

/// Where the plan-side client sends `GAMEDAY_PROXY_TOKEN`, and how a dead run's in-process proxy is reverted.
struct ProxyTokenTests {
    private func step(_ fault: Fault) -> ScheduledStep {
        ScheduledStep(index: 0, name: "slow-db", fault: fault, targets: [], proxy: ProxySpec(name: "db"),
                      injectAt: .seconds(0), revertAt: .seconds(10))
    }

    private let latency = ProxyLatency.fault(attributes: ["latency": .number(5)])

    /// With a token set, a plain-http API on another host fails the step before anything is sent (nothing to leak).
    @Test func tokenIsNotSentOverPlainHTTPToAnotherHost() async throws {
        for fault in [latency, ProxyDown.fault()] {
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
        let port = try freeLoopbackPort()
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
        // What the postmortem tells an operator to do by hand says the same, instead of a curl to a dead port.
        #expect(recipe.manualInstructions.contains("stopped with the run"), "\(recipe.manualInstructions)")
        #expect(!recipe.manualInstructions.contains("curl"))
        #expect(oldRecipe.manualInstructions.hasPrefix("curl -fsS -X DELETE"))
    }

    /// A redirect is not followed, so the token cannot be carried to a URL the policy never judged (here a loopback
    /// API answers 307 towards another port; the step fails naming the redirect, and nothing reaches the other port).
    @Test func redirectsAreNotFollowed() async throws {
        let target = try OneShotHTTPServer(response: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        let redirector = try OneShotHTTPServer(response: "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:\(target.port)/proxies/db/toxics\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        async let redirected = blocking { redirector.serveOnce(waitSeconds: 20) }
        let prepared = try await ProxyInjector(token: "0123456789abcdef").prepare(
            step: step(latency), target: nil, context: InjectionContext(runID: "r", proxyAPIs: ["db": "http://127.0.0.1:\(redirector.port)"]))
        do {
            _ = try await prepared.apply()
            Issue.record("a 307 must not be followed")
        } catch {
            #expect("\(error)".contains("307"), "\(error)")
        }
        #expect(try await redirected?.contains("Authorization: Bearer 0123456789abcdef") == true)
        let followed = try await blocking { target.serveOnce(waitSeconds: 0.3) }
        #expect(followed == nil, "the redirect was followed: \(followed ?? "")")
    }
}

/// A loopback listener that answers one HTTP request with a fixed response and returns the request's head.
///
/// `@unchecked Sendable`: `fd` is immutable; one `serveOnce` runs at a time.
final class OneShotHTTPServer: @unchecked Sendable {
    let fd: Int32
    let port: Int
    private let response: String

    init(response: String) throws {
        self.response = response
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 4) == 0 else { close(fd); throw TestError("cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }

    /// Waits up to `waitSeconds` for one connection; nil if none came.
    func serveOnce(waitSeconds: Double) -> String? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(waitSeconds * 1000)) > 0 else { return nil }
        let client = accept(fd, nil, nil)
        guard client >= 0 else { return nil }
        defer { close(client) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n"), request.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, 4096, 0) }
            guard n > 0 else { break }
            request += buffer[..<n]
        }
        let bytes = Array(response.utf8)
        _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return String(decoding: request, as: UTF8.self)
    }
}
