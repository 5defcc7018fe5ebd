import GameDayCore
import NIOCore

/// `latency`: delays every chunk by `latency` ms, plus or minus up to `jitter` ms at random. Order is kept.
public struct LatencyToxic: Toxic {
    public static let typeName = "latency"
    /// Milliseconds added to each chunk.
    public var latency: Int64
    /// Up to this many milliseconds are added or taken away, at random, per chunk.
    public var jitter: Int64

    public init(attributes: ToxicAttributes) throws {
        latency = try attributes.integer("latency")
        jitter = try attributes.integer("jitter")
    }

    public var attributes: [String: JSONValue] { ["latency": .init(latency), "jitter": .init(jitter)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { LatencyHandler(toxic: self, context: context) }
}

final class LatencyHandler: ScheduledReleaseHandler {
    private let config: LatencyToxic
    private let active: Bool

    init(toxic: LatencyToxic, context: ToxicHandlerContext) {
        config = toxic
        active = context.sample()
        super.init(context: context)
        highWater = 4 << 20
        if active { context.recordFired() }
    }

    private func deadline() -> NIODeadline {
        var ms = config.latency
        if config.jitter > 0 { ms += toxic.random.integer(in: -config.jitter...config.jitter) }
        return now + .milliseconds(max(0, ms))
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        hold(chunk, until: deadline())
    }

    override func receivedEnd() {
        guard active else { return emitEnd() }
        holdEnd(until: deadline())
    }
}
