import GameDayCore
import NIOCore

/// `http_error` (gameday): for a `toxicity` fraction of HTTP/1.1 requests, answers `status_code` with `body` and
/// `headers` itself, without passing the request upstream; or, with `abort: true`, passes the request on and
/// resets the client connection after `abort_after` bytes of the response.
///
/// Toxicity is drawn per request. It always reads requests, so its stream is `upstream`.
public struct HTTPErrorToxic: RequestSamplingToxic, FixedStreamToxic {
    public static let typeName = "http_error"
    public static let stream = ToxicStream.upstream
    /// Status code of the answer (100...599).
    public var statusCode: Int64
    /// Body of the answer.
    public var body: String
    /// Extra response headers.
    public var headers: [String: String]
    /// Instead of answering, let the request through and cut the response off.
    public var abort: Bool
    /// With `abort`: response bytes let through before the reset.
    public var abortAfter: Int64

    public init(attributes: ToxicAttributes) throws {
        statusCode = try attributes.integer("status_code", default: 500, minimum: 100)
        guard statusCode <= 599 else {
            throw ToxicAttributeError("attribute \"status_code\" must be between 100 and 599, got \(statusCode)")
        }
        body = try attributes.string("body")
        headers = try attributes.stringMap("headers")
        for (name, value) in headers where !Self.isToken(name) || value.utf8.contains(where: { $0 == 13 || $0 == 10 }) {
            throw ToxicAttributeError("header \"\(name)\" is not a valid HTTP header name/value")
        }
        abort = try attributes.bool("abort")
        abortAfter = try attributes.integer("abort_after")
    }

    public var attributes: [String: JSONValue] {
        [
            "status_code": .init(statusCode), "body": .string(body),
            "headers": .object(headers.mapValues { .string($0) }), "abort": .bool(abort), "abort_after": .init(abortAfter),
        ]
    }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { HTTPErrorHandler(toxic: self, context: context) }

    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// The full response sent in place of the upstream's.
    func response(close: Bool = false) -> String {
        var lines = ["HTTP/1.1 \(statusCode) \(Self.reason(statusCode))"]
        let lowered = Set(headers.keys.map { $0.lowercased() })
        if !lowered.contains("content-type") { lines.append("Content-Type: text/plain; charset=utf-8") }
        for (name, value) in headers.sorted(by: { $0.key < $1.key })
        where name.lowercased() != "content-length" && name.lowercased() != "connection" {
            lines.append("\(name): \(value)")
        }
        lines.append("Content-Length: \(body.utf8.count)")
        lines.append("X-Gameday-Fault: http_error")
        if close { lines.append("Connection: close") }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    private static func reason(_ code: Int64) -> String {
        switch code {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Fault"
        }
    }
}

final class HTTPErrorHandler: ToxicHandler {
    private let config: HTTPErrorToxic
    private var framer = HTTPRequestFramer()
    /// Whether the request currently being read is answered by the toxic.
    private var answering = false
    /// Abort mode: response bytes still allowed before the reset (nil: not aborting).
    private var abortBudget: Int64?

    init(toxic: HTTPErrorToxic, context: ToxicHandlerContext) {
        config = toxic
        super.init(context: context)
    }

    override func received(_ chunk: ByteBuffer) {
        if framer.isOpaque { return emit(chunk) }
        var rest = chunk
        for piece in framer.consume(chunk.readableBytesView) {
            let bytes = rest.readSlice(length: piece.length)!
            if piece.starts {
                answering = false
                if toxic.sample() {
                    toxic.recordFired()
                    if config.abort { abortBudget = config.abortAfter } else { answering = true }
                }
            }
            if !answering {
                if bytes.readableBytes > 0 { emit(bytes) }
            } else if piece.ends {
                answering = false
                respond(close: framer.closeAfterResponse)
            }
        }
        if rest.readableBytes > 0 { emit(rest) }
    }

    private func respond(close: Bool) {
        guard let context else { return }
        let text = config.response(close: close)
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        if close { toxic.connection?.closeConnection() }
    }

    override func outbound(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?) {
        guard let budget = abortBudget, let context else { return super.outbound(chunk, promise: promise) }
        if Int64(chunk.readableBytes) < budget {
            abortBudget = budget - Int64(chunk.readableBytes)
            return super.outbound(chunk, promise: promise)
        }
        if budget > 0, let head = chunk.getSlice(at: chunk.readerIndex, length: Int(min(budget, Int64(chunk.readableBytes)))) {
            context.writeAndFlush(wrapOutboundOut(head), promise: nil)
        }
        abortBudget = nil
        promise?.succeed()
        // The client is the destination of the downstream stream: it gets the RST.
        toxic.connection?.resetConnection(stream: .downstream)
    }
}
