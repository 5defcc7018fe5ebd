import GameDayCore
import NIOCore

/// `bandwidth`: limits the stream to `rate` KB/s (1 KB = 1000 bytes); 0 means unlimited.
public struct BandwidthToxic: Toxic {
    public static let typeName = "bandwidth"
    /// Kilobytes per second.
    public var rate: Int64

    public init(attributes: ToxicAttributes) throws {
        rate = try attributes.integer("rate")
    }

    public var attributes: [String: JSONValue] { ["rate": .init(rate)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { BandwidthHandler(toxic: self, context: context) }
}

final class BandwidthHandler: ScheduledReleaseHandler {
    private let bytesPerSecond: Int64
    private let active: Bool
    /// When the simulated link is free to send the next byte.
    private var linkFree: NIODeadline = .uptimeNanoseconds(0)

    init(toxic: BandwidthToxic, context: ToxicHandlerContext) {
        bytesPerSecond = toxic.rate * 1000
        active = context.sample() && toxic.rate > 0
        super.init(context: context)
        // Hold at most ~100 ms of data (and at least 64 KiB) so the source feels the limit quickly.
        highWater = Int(max(65_536, bytesPerSecond / 10))
        if active { context.recordFired() }
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        var rest = chunk
        // Release in pieces of at most 100 ms of transfer, as Toxiproxy does, so slow rates trickle rather than burst.
        let slice = Int(max(1, bytesPerSecond / 10))
        let start = now
        if linkFree < start { linkFree = start }
        while rest.readableBytes > 0 {
            let piece = rest.readSlice(length: min(slice, rest.readableBytes))!
            linkFree = linkFree + .nanoseconds(Int64(piece.readableBytes) * 1_000_000_000 / bytesPerSecond)
            hold(piece, until: linkFree)
        }
    }

    override func receivedEnd() {
        guard active else { return emitEnd() }
        holdEnd(until: max(linkFree, now))
    }
}
