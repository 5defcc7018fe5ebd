import Foundation
import GameDayHTTP
import GameDayTestSupport
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

private let logger = Logger(label: "test.http-serving")

/// A router with `GET /hello` (answers at once) and `GET /stuck` (never answers on its own: it notes that it was
/// entered, then waits until it is cancelled).
/// A value set from a request handler and read by the test.
private final class Box<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    var current: Value { value.withLock { $0 } }
    func set(_ new: Value) { value.withLock { $0 = new } }
}

private func router(entered: Box<Bool>? = nil) -> Router<BasicRequestContext> {
    let router = Router()
    router.get("hello") { _, _ in "hi" }
    router.get("stuck") { _, _ -> String in
        entered?.set(true)
        try await Task.sleep(for: .seconds(3600))
        return "late"
    }
    return router
}

/// A GET on a thread of its own: curl blocks, and must not hold a thread of the pool the server's handlers run on.
private func get(_ url: String) async -> (status: Int, body: String)? {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: MonitoringServer.get(url)) }.start()
    }
}

/// Whether 127.0.0.1:`port` can be bound right now (listening on it and closing again).
private func portIsFree(_ port: Int) async -> Bool {
    guard let probe = try? await HTTPServing.start(router: router(), host: "127.0.0.1", port: port, logger: logger) else {
        return false
    }
    await probe.stop()
    return true
}

@Suite(.timeLimit(.minutes(1)))
struct HTTPServingTests {
    /// Port 0 binds a free port and the caller learns the real one, which then serves requests.
    @Test func portZeroReportsTheBoundPort() async throws {
        let served = try await HTTPServing.start(router: router(), host: "127.0.0.1", port: 0, logger: logger)
        #expect(served.address.port > 0)
        #expect(served.address.requestedPort == 0)
        #expect(served.address.ipAddress == "127.0.0.1")
        let answer = await get("http://127.0.0.1:\(served.address.port)/hello")
        await served.stop()
        #expect(answer?.status == 200 && answer?.body == "hi", "\(String(describing: answer))")
    }

    /// A port already in use is a clear error naming the address and the cause, and leaves nothing running.
    @Test func portInUseIsAClearError() async throws {
        let first = try await HTTPServing.start(router: router(), host: "127.0.0.1", port: 0, logger: logger)
        let port = first.address.port
        do {
            let second = try await HTTPServing.start(router: router(), host: "127.0.0.1", port: port, logger: logger)
            await second.stop()
            Issue.record("a second server bound 127.0.0.1:\(port), which was in use")
        } catch let error as HTTPServingError {
            #expect(error.address == "127.0.0.1:\(port)")
            #expect(error.reason.contains("Address already in use"), "\(error.reason)")
            #expect("\(error)".hasPrefix("cannot listen on 127.0.0.1:\(port): "), "\(error)")
        }
        // The first server is unaffected by the failed attempt.
        #expect(await get("http://127.0.0.1:\(port)/hello")?.status == 200)
        await first.stop()
    }

    /// stop() returns although a request never finishes (graceful shutdown escalates to cancellation after the
    /// timeout), and the port is free again afterwards.
    @Test func stopIsBoundedAndFreesThePort() async throws {
        let entered = Box(false)
        let served = try await HTTPServing.start(router: router(entered: entered), host: "127.0.0.1", port: 0,
                                                 shutdownTimeout: .milliseconds(300), logger: logger)
        let port = served.address.port
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-s", "-o", "/dev/null", "--max-time", "60", "http://127.0.0.1:\(port)/stuck"]
        try curl.run()
        defer { if curl.isRunning { curl.terminate() } }
        #expect(await eventually(timeout: .seconds(10)) { entered.current }, "the stuck request never arrived")

        // Unstructured, so that a stop() that never returns fails this test instead of hanging it.
        let stopped = Box(false)
        Task { await served.stop(); stopped.set(true) }
        #expect(await eventually(timeout: .seconds(15)) { stopped.current }, "stop() did not return while a request was open")
        guard stopped.current else { return }
        #expect(await eventually(timeout: .seconds(10)) { !curl.isRunning }, "the open connection was not closed")
        #expect(await portIsFree(port), "127.0.0.1:\(port) is still bound after stop()")
        await served.stop()  // idempotent
    }

    /// A server started from inside a service group lives until its own stop(), not until that group shuts down
    /// (the demo fleet outlives the call that starts it).
    @Test func outlivesTheGroupThatStartedIt() async throws {
        let started = Box<ServedApplication?>(nil)
        let group = ServiceGroup(configuration: .init(services: [StartsAServer(started: started)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually(timeout: .seconds(10)) { started.current != nil })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let served = try #require(started.current)
        #expect(await get("http://127.0.0.1:\(served.address.port)/hello")?.status == 200)
        await served.stop()
        #expect(await portIsFree(served.address.port))
    }

    /// The service form reports the bound address the same way (what a caller's own ServiceGroup runs).
    @Test func serviceFormReportsTheBoundPort() async throws {
        let bound = Box<Int?>(nil)
        let app = HTTPServing.application(router: router(), host: "127.0.0.1", port: 0, logger: logger) { address in
            bound.set(address.port)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await eventually(timeout: .seconds(10)) { bound.current != nil })
            let port = bound.current ?? 0
            #expect(port > 0)
            #expect(await get("http://127.0.0.1:\(port)/hello")?.body == "hi")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// A service that starts a server, hands it over, and returns on graceful shutdown.
private struct StartsAServer: Service {
    let started: Box<ServedApplication?>
    func run() async throws {
        started.set(try await HTTPServing.start(router: router(), host: "127.0.0.1", port: 0, logger: logger))
        try? await gracefulShutdown()
    }
}
