import GameDayCore
import NIOCore

/// `slicer`: cuts each chunk into pieces of about `average_size` bytes (± `size_variation`), sent `delay` µs apart.
public struct SlicerToxic: Toxic {
    public static let typeName = "slicer"
    /// Average piece size in bytes (at least 1).
    public var averageSize: Int64
    /// Pieces vary by up to this many bytes; must be less than `average_size`.
    public var sizeVariation: Int64
    /// Microseconds between pieces.
    public var delay: Int64

    public init(attributes: ToxicAttributes) throws {
        averageSize = try attributes.integer("average_size", default: 1, minimum: 1)
        sizeVariation = try attributes.integer("size_variation")
        delay = try attributes.integer("delay")
        guard sizeVariation < averageSize else {
            throw ToxicAttributeError("attribute \"size_variation\" (\(sizeVariation)) must be less than \"average_size\" (\(averageSize))")
        }
    }

    public var attributes: [String: JSONValue] {
        ["average_size": .init(averageSize), "size_variation": .init(sizeVariation), "delay": .init(delay)]
    }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { SlicerHandler(toxic: self, context: context) }

    /// Piece lengths for a chunk of `size` bytes: split about in half (± variation) until pieces are near the
    /// average, so there is no bias towards small or large pieces at either end.
    public func pieces(of size: Int, random: inout SeededGenerator) -> [Int] {
        var out: [Int] = []
        var pending: [(Int, Int)] = [(0, size)]
        while let (start, end) = pending.popLast() {
            if Int64(end - start) - averageSize <= sizeVariation {
                if end > start { out.append(end - start) }
                continue
            }
            var mid = start + (end - start) / 2
            if sizeVariation > 0 { mid += Int(random.integer(in: -sizeVariation...(sizeVariation - 1))) }
            mid = min(max(mid, start + 1), end - 1)
            // Right half pushed first so the left one is cut (and emitted) first.
            pending.append((mid, end))
            pending.append((start, mid))
        }
        return out
    }
}

final class SlicerHandler: ScheduledReleaseHandler {
    private let config: SlicerToxic
    private let active: Bool

    init(toxic: SlicerToxic, context: ToxicHandlerContext) {
        config = toxic
        active = context.sample()
        super.init(context: context)
        if active { context.recordFired() }
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        var rest = chunk
        var release = max(now, lastRelease)
        for length in config.pieces(of: chunk.readableBytes, random: &toxic.random) {
            let piece = rest.readSlice(length: length)!
            if config.delay == 0 && !isHolding {
                emit(piece)
            } else {
                hold(piece, until: release)
                release = release + .microseconds(config.delay)
            }
        }
    }

    override func receivedEnd() {
        guard active, isHolding else { return emitEnd() }
        holdEnd(until: lastRelease)
    }
}
