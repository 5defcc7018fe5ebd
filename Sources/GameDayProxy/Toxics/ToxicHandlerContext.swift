import GameDayCore
import NIOCore

/// What a connection lets its toxic handlers do beyond passing bytes along.
///
/// Implemented by the proxy's connection (and by a recording double in unit tests). Called on the connection's
/// event loop only.
public protocol ConnectionControl: AnyObject {
    /// Closes both sides of the connection cleanly (FIN), after flushing what was already written.
    func closeConnection()
    /// Resets the destination of `stream` (TCP RST: SO_LINGER 0, then close) and closes the other side.
    func resetConnection(stream: ToxicStream)
}

/// Per-connection, per-toxic information and services for a `ToxicHandler`. Lives on the connection's event loop.
public final class ToxicHandlerContext {
    /// The toxic's name on the API.
    public let toxicName: String
    /// The stream the handler sits on.
    public let stream: ToxicStream
    /// Probability (0...1) that the toxic acts; per connection, or per request for a `RequestSamplingToxic`.
    public let toxicity: Double
    /// This toxic's own generator for this connection (seeded from `--seed`, so jitter and sampling reproduce).
    public var random: SeededGenerator
    /// Closes or resets the connection.
    public weak var connection: (any ConnectionControl)?
    private let onFire: () -> Void

    public init(toxicName: String, stream: ToxicStream, toxicity: Double, random: SeededGenerator,
                connection: (any ConnectionControl)?, onFire: @escaping () -> Void = {}) {
        self.toxicName = toxicName; self.stream = stream; self.toxicity = toxicity; self.random = random
        self.connection = connection; self.onFire = onFire
    }

    /// Draws once against `toxicity` (true: the toxic acts this time).
    public func sample() -> Bool {
        if toxicity >= 1 { return true }
        if toxicity <= 0 { return false }
        return random.unitInterval() < toxicity
    }

    /// Counts one firing of the toxic (the `gameday_proxy_toxic_fired_total` metric).
    public func recordFired() { onFire() }
}

extension SeededGenerator {
    /// A uniform double in [0, 1).
    mutating func unitInterval() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    /// A uniform integer in `range` (inclusive bounds).
    mutating func integer(in range: ClosedRange<Int64>) -> Int64 {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        if width == 0 { return Int64(bitPattern: next()) }
        return range.lowerBound + Int64(next() % width)
    }
}
