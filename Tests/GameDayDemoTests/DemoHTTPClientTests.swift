#if canImport(Glibc)
import Glibc
#endif
import GameDayDemo
import ServiceLifecycle
import Testing
import GameDayTestSupport

@Suite struct DemoHTTPClientTests {
    /// A server that accepts connections but never answers (like a SIGSTOPped process) ends in timedOut, not a hang.
    @Test func timesOutOnServerThatNeverAnswers() async throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        try #require(listening)
        let port = Int(UInt16(bigEndian: address.sin_port))
        // The kernel completes the handshake from the backlog; nobody ever reads or writes.
        await #expect(throws: DemoHTTPClientError.timedOut(endpoint: "127.0.0.1:\(port)", after: .milliseconds(300))) {
            _ = try await DemoHTTPClient().get(host: "127.0.0.1", port: port, path: "/health", timeout: .milliseconds(300))
        }
    }

    /// A closed port ends in connectFailed.
    @Test func reportsConnectFailure() async throws {
        let port = try freeLoopbackPort()
        do {
            _ = try await DemoHTTPClient().get(host: "127.0.0.1", port: port, path: "/", timeout: .seconds(2))
            Issue.record("a request to a closed port succeeded")
        } catch let error as DemoHTTPClientError {
            guard case .connectFailed(let endpoint, _) = error else {
                Issue.record("expected connectFailed, got \(error)")
                return
            }
            #expect(endpoint == "127.0.0.1:\(port)")
        }
    }

    /// A real response's status, headers and body come back intact.
    @Test func readsStatusHeadersAndBody() async throws {
        let port = try freeLoopbackPort()
        let payments = DemoPayments.makeApplication(port: port, logger: TestSupport.logger) { _ in }
        let group = ServiceGroup(configuration: .init(services: [payments], logger: TestSupport.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var response: DemoHTTPResponse?
            _ = await eventually(timeout: .seconds(10)) {
                response = try? await DemoHTTPClient().get(host: "127.0.0.1", port: port, path: "/pay", timeout: .seconds(2))
                return response != nil
            }
            let answer = try #require(response)
            #expect(answer.status == 200)
            #expect(answer.body == "paid")
            #expect(answer.header("content-length") == "4")
            let missing = try await DemoHTTPClient().get(host: "127.0.0.1", port: port, path: "/nope", timeout: .seconds(2))
            #expect(missing.status == 404)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
