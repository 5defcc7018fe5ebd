import GameDayCore
import NIOCore

/// `slow_open` (gameday): waits `delay` ms (± `jitter`) before opening the upstream connection of a new client
/// connection, like a dependency that is slow to accept. Connections already open are not affected.
public struct SlowOpenToxic: ConnectionOpeningToxic {
    public static let typeName = "slow_open"
    /// Milliseconds before the upstream connect.
    public var delay: Int64
    /// Up to this many milliseconds added or taken away, at random, per connection.
    public var jitter: Int64

    public init(attributes: ToxicAttributes) throws {
        delay = try attributes.integer("delay")
        jitter = try attributes.integer("jitter")
    }

    public var attributes: [String: JSONValue] { ["delay": .init(delay), "jitter": .init(jitter)] }

    public func openDelay(random: inout SeededGenerator) -> TimeAmount {
        var ms = delay
        if jitter > 0 { ms += random.integer(in: -jitter...jitter) }
        return .milliseconds(max(0, ms))
    }
}
