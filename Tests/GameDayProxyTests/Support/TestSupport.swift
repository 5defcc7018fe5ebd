import Foundation
import GameDayCore
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing
@testable import GameDayProxy
import GameDayTestSupport

// MARK: - Embedded toxic harness

/// Records what a toxic asked of its connection.
final class RecordingConnection: ConnectionControl {
    var closes = 0
    var resets: [ToxicStream] = []
    func closeConnection() { closes += 1 }
    func resetConnection(stream: ToxicStream) { resets.append(stream) }
}

/// Sits after the toxic and records the end-of-stream events that reach the destination.
final class EndRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var ends = 0
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { ends += 1 } else { context.fireUserInboundEventTriggered(event) }
    }
}

/// An `EmbeddedChannel` with one toxic's handler, as a connection would build it.
struct ToxicHarness {
    let channel: EmbeddedChannel
    let connection = RecordingConnection()
    let ends = EndRecorder()
    let handler: ToxicHandler
    var fired = 0

    init(_ toxic: any Toxic, stream: ToxicStream = .downstream, toxicity: Double = 1, seed: UInt64 = 1) throws {
        channel = EmbeddedChannel()
        let box = FireCounter()
        let context = ToxicHandlerContext(toxicName: "t", stream: stream, toxicity: toxicity,
                                          random: SeededGenerator(seed: seed, stream: "test"),
                                          connection: connection, onFire: { box.count += 1 })
        handler = toxic.makeHandler(context: context)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.pipeline.syncOperations.addHandler(ends)
        counter = box
    }

    private let counter: FireCounter
    var firedCount: Int { counter.count }

    var loop: EmbeddedEventLoop { channel.embeddedEventLoop }

    /// Sends bytes from the source into the toxic.
    func send(_ text: String) throws { try channel.writeInbound(ByteBuffer(string: text)) }
    func send(bytes count: Int) throws { try channel.writeInbound(ByteBuffer(repeating: 0x61, count: count)) }

    /// Sends the source's end of stream into the toxic.
    func sendEnd() { channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }

    /// Everything that reached the destination so far.
    func received() throws -> String {
        var out = ""
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { out += String(buffer: buffer) }
        return out
    }

    func receivedCount() throws -> Int {
        var total = 0
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { total += buffer.readableBytes }
        return total
    }

    /// Removes the toxic, as `DELETE /proxies/{p}/toxics/{t}` does on a live connection.
    func remove() throws {
        try channel.pipeline.syncOperations.removeHandler(handler).wait()
    }
}

final class FireCounter { var count = 0 }

// MARK: - Real sockets

/// A loopback upstream for real-socket tests.
final class TestUpstream: Sendable {
    enum Mode: Sendable {
        /// Echo every byte back.
        case echo
        /// Answer each HTTP request (headers only, no body) with 200 and `body`; close if the request asked to.
        case http(body: String)
        /// Send `bytes` bytes of 'x' as soon as a client connects, then reset (SO_LINGER 0).
        case sendThenReset(bytes: Int)
    }

    let channel: Channel
    var port: Int { channel.localAddress!.port! }
    var address: String { "127.0.0.1:\(port)" }

    init(_ mode: Mode) async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(mode: mode))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async { try? await channel.close() }
}

private final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let mode: TestUpstream.Mode
    var pending = ""

    init(mode: TestUpstream.Mode) { self.mode = mode }

    func channelActive(context: ChannelHandlerContext) {
        if case .sendThenReset(let bytes) = mode {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)), promise: nil)
            let channel = context.channel
            context.eventLoop.scheduleTask(in: .milliseconds(50)) {
                _ = (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).always { _ in
                    channel.close(promise: nil)
                }
            }
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        switch mode {
        case .echo:
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        case .http(let body):
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\r\n\r\n") {
                let head = pending[pending.startIndex..<end.upperBound].lowercased()
                pending.removeSubrange(pending.startIndex..<end.upperBound)
                let response = "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                let write = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)))
                if head.contains("connection: close") {
                    let channel = context.channel
                    write.whenComplete { _ in channel.close(promise: nil) }
                }
            }
        case .sendThenReset:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

/// A blocking loopback TCP client with receive timeouts; every call is bounded. Use it inside `blocking { }` so the
/// cooperative pool (which runs the API's handlers) is never blocked.
///
/// `@unchecked Sendable`: `fd` is immutable and each test uses a client from one `blocking` call at a time.
final class BlockingClient: @unchecked Sendable {
    let fd: Int32

    init(port: Int, timeout: TimeInterval = 10) throws {
        // Connect before `self` exists: a throwing class init that fails after its properties are set still runs
        // deinit, which would close the descriptor a second time (possibly someone else's by then).
        fd = try Self.connect(port: port, timeout: timeout)
    }

    private static func connect(port: Int, timeout: TimeInterval) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket() failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestError("connect to 127.0.0.1:\(port) failed: \(message)")
        }
        return fd
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    enum ReadResult: Equatable { case data([UInt8]), closed, reset, timedOut }

    func readOnce(max: Int = 65_536) -> ReadResult {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        if n > 0 { return .data(Array(buffer[..<n])) }
        if n == 0 { return .closed }
        if errno == ECONNRESET { return .reset }
        return .timedOut
    }

    /// Reads until `count` bytes arrived (or the peer closed / the timeout hit).
    func read(count: Int) -> [UInt8] {
        var out: [UInt8] = []
        while out.count < count {
            guard case .data(let bytes) = readOnce(max: count - out.count) else { break }
            out += bytes
        }
        return out
    }

    /// Reads until the peer closes; returns the bytes and how it ended.
    func readToEnd(limit: Int = 1 << 24) -> (bytes: [UInt8], end: ReadResult) {
        var out: [UInt8] = []
        while out.count < limit {
            let result = readOnce()
            guard case .data(let bytes) = result else { return (out, result) }
            out += bytes
        }
        return (out, .timedOut)
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Waits up to `seconds` for data without consuming it (MSG_PEEK on a poll): `.timedOut` if none came.
    static func peek(fd: Int32, seconds: Double) -> ReadResult {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, Int32(seconds * 1000))
        guard ready > 0 else { return .timedOut }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK))
        if n > 0 { return .data([byte]) }
        return n == 0 ? .closed : .reset
    }
}

/// A minimal HTTP/1.1 client over a fresh connection per request (`Connection: close`), for API tests.
enum RawHTTP {
    struct Reply { var status: Int; var headers: String; var body: String }

    static func request(port: Int, _ method: String, _ path: String, body: String? = nil,
                        headers: [String: String] = [:]) throws -> Reply {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return try raw(port: port, text)
    }

    static func raw(port: Int, _ text: String) throws -> Reply {
        let client = try BlockingClient(port: port)
        try client.send(text)
        let (bytes, _) = client.readToEnd()
        return try parse(bytes)
    }

    static func parse(_ bytes: [UInt8]) throws -> Reply {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestError("no HTTP response: \(text.prefix(200))") }
        let head = String(text[..<split.lowerBound])
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestError("bad status line: \(head.prefix(100))") }
        return Reply(status: status, headers: head, body: String(text[split.upperBound...]))
    }

    static func json(_ body: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs blocking socket work on its own thread, off Swift's cooperative pool (which serves the API's handlers).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}

/// Open sockets of this process connected to or from `ports` (listening sockets excluded), from /proc/self/fd and
/// /proc/net/tcp{,6}: the leak measure for the proxy's connections.
func openSockets(ports: Set<Int>) -> Int {
    var inodes = Set<String>()
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let table = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] != "0A" else { continue }
            let localPort = fields[1].split(separator: ":").last.flatMap { Int($0, radix: 16) } ?? -1
            let remotePort = fields[2].split(separator: ":").last.flatMap { Int($0, radix: 16) } ?? -1
            if ports.contains(localPort) || ports.contains(remotePort) { inodes.insert(String(fields[9])) }
        }
    }
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    var count = 0
    for fd in fds {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"),
              target.hasPrefix("socket:[") else { continue }
        if inodes.contains(String(target.dropFirst(8).dropLast())) { count += 1 }
    }
    return count
}

/// A started in-process proxy daemon on an ephemeral API port, shut down by `stop()`.
struct RunningServer {
    let server: FaultProxyServer
    let port: Int

    static func start(token: String? = nil, seed: UInt64 = 7, host: String = "127.0.0.1") async throws -> RunningServer {
        var logger = Logger(label: "test.proxy")
        logger.logLevel = .critical
        let server = FaultProxyServer(
            configuration: ProxyServerConfiguration(host: host, port: 0, token: token, seed: seed), logger: logger)
        let address = try await server.start()
        guard let port = Int(address.split(separator: ":").last ?? "") else { throw TestError("bad address \(address)") }
        return RunningServer(server: server, port: port)
    }

    func stop() async { await server.shutdown() }

    /// Runs a blocking API request off the cooperative pool.
    func api(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) async throws -> RawHTTP.Reply {
        let port = self.port
        return try await blocking { try RawHTTP.request(port: port, method, path, body: body, headers: headers) }
    }
}

func listenPort(_ listen: String) -> Int { Int(listen.split(separator: ":").last ?? "") ?? -1 }
