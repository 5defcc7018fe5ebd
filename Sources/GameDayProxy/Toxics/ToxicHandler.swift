import NIOCore

/// The per-connection worker of a toxic: a channel handler on the channel the stream's bytes are read from.
///
/// Bytes read from the source arrive in `received(_:)`; the end of the stream (the peer's FIN) arrives in
/// `receivedEnd()`. A subclass passes bytes on with `emit(_:)` and the end with `emitEnd()`, now or later (`after`),
/// so order is preserved. Writes travelling the other way (the opposite stream's output to this peer) pass through
/// `outbound(_:promise:)`. Setting `holdsReads` stops reading from the source (backpressure) until cleared.
///
/// Contract: when the toxic is removed, `drain()` must forward everything it holds (data in flight is never dropped);
/// timers made with `after` are cancelled for you. The base class is a pass-through.
open class ToxicHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// The toxic's per-connection context (toxicity, random source, connection control).
    public let toxic: ToxicHandlerContext
    /// The channel handler context, while the handler is in a pipeline.
    public private(set) var context: ChannelHandlerContext?
    /// Bytes held that a pending `read` would add to; see `holdsReads`.
    public var holdsReads = false {
        didSet {
            if !holdsReads, pendingRead, let context {
                pendingRead = false
                context.read()
            }
        }
    }
    private var pendingRead = false
    private var needsReadComplete = false
    private var timers: [Int: Scheduled<Void>] = [:]
    private var nextTimer = 0

    public init(context: ToxicHandlerContext) { self.toxic = context }

    // MARK: Overridable behaviour

    /// Bytes from the source. Default: pass on.
    open func received(_ chunk: ByteBuffer) { emit(chunk) }
    /// The source closed its side (EOF). Default: pass on.
    open func receivedEnd() { emitEnd() }
    /// The toxic is being removed: forward anything held. Default: nothing held.
    open func drain() {}
    /// Bytes being written to this channel's peer (the other stream's output). Default: pass on.
    open func outbound(_ chunk: ByteBuffer, promise: EventLoopPromise<Void>?) {
        context?.write(wrapOutboundOut(chunk), promise: promise)
    }
    /// Called once the handler is in the pipeline (the place to start timers).
    open func started() {}

    // MARK: Helpers for subclasses

    /// Passes bytes on towards the destination.
    public final func emit(_ chunk: ByteBuffer) {
        guard let context else { return }
        context.fireChannelRead(wrapInboundOut(chunk))
        needsReadComplete = true
    }

    /// Passes the end of the stream on.
    public final func emitEnd() {
        guard let context else { return }
        flushEmitted()
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    /// The event loop's clock (virtual time on an `EmbeddedEventLoop`).
    public final var now: NIODeadline { context?.eventLoop.now ?? .now() }

    /// Runs `body` after `delay` on the event loop, unless the handler is removed first; emitted bytes are flushed after.
    @discardableResult
    public final func after(_ delay: TimeAmount, _ body: @escaping () -> Void) -> Int {
        at(now + delay, body)
    }

    /// Runs `body` at `deadline` on the event loop, unless the handler is removed first; emitted bytes are flushed after.
    @discardableResult
    public final func at(_ deadline: NIODeadline, _ body: @escaping () -> Void) -> Int {
        guard let context else { return -1 }
        let id = nextTimer
        nextTimer += 1
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, self.context != nil else { return }
            self.timers[id] = nil
            body()
            self.flushEmitted()
        }
        timers[id] = task
        return id
    }

    /// Cancels a timer made with `after`.
    public final func cancel(timer id: Int) {
        timers.removeValue(forKey: id)?.cancel()
    }

    /// Tells the destination to flush what was emitted (done for you after `after` bodies and reads).
    public final func flushEmitted() {
        guard needsReadComplete, let context else { return }
        needsReadComplete = false
        context.fireChannelReadComplete()
    }

    // MARK: ChannelHandler plumbing

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        started()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        for (_, timer) in timers { timer.cancel() }
        timers.removeAll()
        self.context = nil
    }

    public final func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received(unwrapInboundIn(data))
    }

    public final func channelReadComplete(context: ChannelHandlerContext) {
        needsReadComplete = false
        context.fireChannelReadComplete()
    }

    public final func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            receivedEnd()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    public final func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        outbound(unwrapOutboundIn(data), promise: promise)
    }

    public final func read(context: ChannelHandlerContext) {
        if holdsReads {
            pendingRead = true
        } else {
            context.read()
        }
    }

    public final func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        for (_, timer) in timers { timer.cancel() }
        timers.removeAll()
        drain()
        flushEmitted()
        if pendingRead {
            pendingRead = false
            context.read()
        }
        context.leavePipeline(removalToken: removalToken)
    }
}
