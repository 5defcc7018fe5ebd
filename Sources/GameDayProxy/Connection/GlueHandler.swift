import NIOCore

/// The tail of each side's pipeline: writes what survived the toxics to the other side, with backpressure.
///
/// Reads from this side are only requested while the partner side is writable, so a slow reader on one end never
/// makes the proxy buffer without bound. Bytes go through untouched (no copy, no allocation per chunk).
final class GlueHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let side: ConnectionStateMachine.Side
    weak var connection: ProxyConnection?
    var partner: GlueHandler?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    private var unreportedBytes = 0
    private let onBytes: (Int) -> Void

    init(side: ConnectionStateMachine.Side, onBytes: @escaping (Int) -> Void) {
        self.side = side
        self.onBytes = onBytes
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    // MARK: Called by the partner

    fileprivate func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }
    fileprivate func partnerFlush() { context?.flush() }
    fileprivate var partnerIsWritable: Bool { context?.channel.isWritable ?? false }

    fileprivate func partnerBecameWritable() {
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unreportedBytes += unwrapInboundIn(data).readableBytes
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
        if unreportedBytes > 0 {
            onBytes(unreportedBytes)
            unreportedBytes = 0
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            channelReadComplete(context: context)
            connection?.endOfStream(from: side)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        connection?.sideFailed(side, error: error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.sideInactive(side)
        context.fireChannelInactive()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if partner?.partnerIsWritable ?? false {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
