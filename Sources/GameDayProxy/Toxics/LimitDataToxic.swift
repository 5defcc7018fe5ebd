import GameDayCore
import NIOCore

/// `limit_data`: lets `bytes` bytes through, then closes the connection.
public struct LimitDataToxic: Toxic {
    public static let typeName = "limit_data"
    /// Bytes allowed through before the connection is closed.
    public var bytes: Int64

    public init(attributes: ToxicAttributes) throws {
        bytes = try attributes.integer("bytes")
    }

    public var attributes: [String: JSONValue] { ["bytes": .init(bytes)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { LimitDataHandler(toxic: self, context: context) }
}

final class LimitDataHandler: ToxicHandler {
    private var remaining: Int64
    private let active: Bool
    private var closed = false

    init(toxic: LimitDataToxic, context: ToxicHandlerContext) {
        remaining = toxic.bytes
        active = context.sample()
        super.init(context: context)
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        guard !closed else { return }
        var chunk = chunk
        if Int64(chunk.readableBytes) > remaining {
            chunk = chunk.getSlice(at: chunk.readerIndex, length: Int(max(0, remaining)))!
        }
        if chunk.readableBytes > 0 {
            remaining -= Int64(chunk.readableBytes)
            emit(chunk)
        }
        if remaining <= 0 {
            closed = true
            toxic.recordFired()
            flushEmitted()
            toxic.connection?.closeConnection()
        }
    }
}
