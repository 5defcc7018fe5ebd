import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A status line, headers and body read from a demo service.
public struct DemoHTTPResponse: Sendable, Equatable {
    /// The HTTP status code, e.g. 200.
    public var status: Int
    /// Header fields in the order the server sent them.
    public var headers: [DemoHTTPHeader]
    /// The body decoded as UTF-8 (demo services answer in short plain text).
    public var body: String

    public init(status: Int, headers: [DemoHTTPHeader] = [], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// One HTTP header field.
public struct DemoHTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// Why a request made by ``DemoHTTPClient`` got no response.
public enum DemoHTTPClientError: Error, Equatable, CustomStringConvertible {
    /// The TCP connection could not be made (refused, unreachable, or the connect timed out).
    case connectFailed(endpoint: String, reason: String)
    /// No complete response arrived before the deadline; the connection was closed.
    case timedOut(endpoint: String, after: Duration)
    /// The server closed the connection or broke the protocol before a complete response.
    case noResponse(endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .connectFailed(let endpoint, let reason):
            return "could not connect to \(endpoint): \(reason)"
        case .timedOut(let endpoint, let after):
            return "no response from \(endpoint) within \(after)"
        case .noResponse(let endpoint, let reason):
            return "no complete response from \(endpoint): \(reason)"
        }
    }
}

/// A minimal HTTP/1.1 client for the demo fleet: one `GET` per connection, a hard deadline covering connect and
/// response, and a bounded body.
///
/// The demo needs only short `GET`s between loopback services. A deadline that closes the connection (rather than
/// a read timeout that can be reset by trickling bytes) is what lets the balancer move on from a replica that is
/// stopped with SIGSTOP: the kernel still accepts its connections, but nothing ever answers.
public struct DemoHTTPClient: Sendable {
    /// Bodies larger than this are refused; demo services answer with a few bytes.
    public static let maximumBodyBytes = 64 * 1024

    private let group: any EventLoopGroup

    /// Creates a client on `group` (by default NIO's shared singleton group).
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
    }

    /// Sends `GET path` to `host:port` and returns the complete response, or throws ``DemoHTTPClientError``.
    ///
    /// - Parameter timeout: the deadline for the whole exchange: connect, request, and the last byte of the body.
    public func get(host: String, port: Int, path: String, timeout: Duration) async throws -> DemoHTTPResponse {
        let endpoint = "\(host):\(port)"
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DemoHTTPResponse.self)
        let timeoutTask = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(DemoHTTPClientError.timedOut(endpoint: endpoint, after: timeout))
        }
        promise.futureResult.whenComplete { _ in timeoutTask.cancel() }

        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        ResponseCollector(promise: promise, host: host, port: port, path: path, endpoint: endpoint)
                    )
                }
            }
        bootstrap.connect(host: host, port: port).whenComplete { result in
            switch result {
            case .failure(let error):
                // Only the first completion of a promise counts, so a timeout that already fired wins.
                promise.fail(DemoHTTPClientError.connectFailed(endpoint: endpoint, reason: "\(error)"))
            case .success(let channel):
                // Whatever ends the exchange (response, error, deadline) also closes the connection.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        }
        return try await promise.futureResult.get()
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// Writes one request when the connection becomes active and completes the promise with the response.
///
/// Lives on one channel's event loop; every completion of `promise` after the first is ignored by NIO, which makes
/// the races between response, close, error and deadline harmless.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let promise: EventLoopPromise<DemoHTTPResponse>
    private let host: String
    private let port: Int
    private let path: String
    private let endpoint: String
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<DemoHTTPResponse>, host: String, port: Int, path: String, endpoint: String) {
        self.promise = promise
        self.host = host
        self.port = port
        self.path = path
        self.endpoint = endpoint
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Connection", value: "close")
        headers.add(name: "User-Agent", value: "gameday-demo")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= DemoHTTPClient.maximumBodyBytes else {
                promise.fail(DemoHTTPClientError.noResponse(
                    endpoint: endpoint, reason: "body larger than \(DemoHTTPClient.maximumBodyBytes) bytes"))
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else {
                promise.fail(DemoHTTPClientError.noResponse(endpoint: endpoint, reason: "response without a head"))
                return
            }
            let headers = head.headers.map { DemoHTTPHeader(name: $0.name, value: $0.value) }
            let text = body.readString(length: body.readableBytes) ?? ""
            promise.succeed(DemoHTTPResponse(status: Int(head.status.code), headers: headers, body: text))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DemoHTTPClientError.noResponse(endpoint: endpoint, reason: "connection closed before the response ended"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(DemoHTTPClientError.noResponse(endpoint: endpoint, reason: "\(error)"))
        context.close(promise: nil)
    }
}
