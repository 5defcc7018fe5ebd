import Foundation
import GameDayCore
import GameDayTestSupport
import Logging
import Testing
@testable import GameDayConsole

/// Opens a TCP connection to 127.0.0.1:`port`, sends `request`, reads until `until` is in the answer (or 5 s pass),
/// and closes: a viewer that comes and goes.
private func visit(port: Int, request: String, until marker: String) -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { return "" }
    var timeout = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !String(decoding: received, as: UTF8.self).contains(marker) {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        received += buffer[0..<n]
    }
    return String(decoding: received, as: UTF8.self)
}

/// `visit` on a thread of its own: its blocking socket calls must not occupy the cooperative pool the server's
/// handlers and the journal follower run on.
private func visitOffPool(port: Int, request: String, until marker: String) async -> String {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: visit(port: port, request: request, until: marker)) }.start()
    }
}

struct ConsoleServerTests {
    /// A read-only console on a free loopback port, following a journal in `dir` that holds one `phase` event.
    static func readOnlyConsole(following dir: String) async throws -> (ConsoleServer, address: HostPort, journal: URL) {
        let journal = URL(fileURLWithPath: dir + "/journal.jsonl")
        try Data("{\"seq\":1,\"t\":0,\"type\":\"phase\",\"phase\":\"baseline\",\"wall\":0}\n".utf8).write(to: journal)
        var generator = SystemRandomNumberGenerator()
        let server = ConsoleServer(configuration: ConsoleConfiguration(host: "127.0.0.1", port: 0,
                                                                       access: .random(loopback: true, using: &generator)),
                                   actions: nil, logger: Logger(label: "test"))
        let address = try await server.start()
        await server.follow(journal: journal)
        return (server, address, journal)
    }

    /// 200 viewers connecting to the event stream and going away leave no subscriber behind, and the console keeps
    /// serving the next viewer the whole journal.
    @Test(.timeLimit(.minutes(1)))
    func viewersComeAndGo() async throws {
        let dir = try temporaryDirectory("console-viewers")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, address, journal) = try await Self.readOnlyConsole(following: dir)
        let request = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask { await visitOffPool(port: address.port, request: request, until: "\"seq\":1").contains("\"seq\":1") }
            }
            var served = 0
            for await ok in group where ok { served += 1 }
            #expect(served == 200, "only \(served) of 200 viewers got the journal")
        }
        let drained = await eventually(timeout: .seconds(10)) { await server.follower.subscriberCount == 0 }
        let left = await server.follower.subscriberCount
        #expect(drained, "subscribers left behind: \(left)")
        let handle = try FileHandle(forWritingTo: journal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":2,\"t\":5,\"type\":\"phase\",\"phase\":\"chaos\",\"wall\":5}\n".utf8))
        try handle.close()
        let late = await visitOffPool(port: address.port, request: request, until: "\"seq\":2")
        #expect(late.contains("\"seq\":1") && late.contains("\"seq\":2"), "\(late.suffix(500))")
        await server.stop()
    }

    /// Stopping the console ends every open event stream (a run's end must not wait on its viewers).
    @Test(.timeLimit(.minutes(1)))
    func stopEndsOpenStreams() async throws {
        let dir = try temporaryDirectory("console-stop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, address, _) = try await Self.readOnlyConsole(following: dir)
        let viewer = Task {
            // Reads until the server closes the stream (the chunked body's last chunk) or 5 s pass.
            await visitOffPool(port: address.port, request: "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", until: "\r\n0\r\n\r\n")
        }
        #expect(await eventually { await server.follower.subscriberCount == 1 })
        await server.stop()
        let answer = await viewer.value
        #expect(answer.contains("\"seq\":1"))
        #expect(answer.hasSuffix("\r\n0\r\n\r\n"), "the stream was not ended by stop(): \(answer.suffix(200))")
    }
}
