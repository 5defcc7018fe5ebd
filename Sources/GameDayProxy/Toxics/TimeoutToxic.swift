import GameDayCore
import NIOCore

/// `timeout`: stops all data getting through and closes the connection after `timeout` ms; with 0 the connection
/// stays open and data is dropped until the toxic is removed. As in Toxiproxy, removing it closes the connections
/// it affected (their bytes were lost, so the stream cannot continue).
public struct TimeoutToxic: Toxic {
    public static let typeName = "timeout"
    /// Milliseconds before the connection is closed (0: never).
    public var timeout: Int64

    public init(attributes: ToxicAttributes) throws {
        timeout = try attributes.integer("timeout")
    }

    public var attributes: [String: JSONValue] { ["timeout": .init(timeout)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { TimeoutHandler(toxic: self, context: context) }
}

final class TimeoutHandler: ToxicHandler {
    private let timeout: Int64
    private let active: Bool

    init(toxic: TimeoutToxic, context: ToxicHandlerContext) {
        timeout = toxic.timeout
        active = context.sample()
        super.init(context: context)
    }

    override func started() {
        guard active else { return }
        toxic.recordFired()
        if timeout > 0 {
            after(.milliseconds(timeout)) { [weak self] in self?.toxic.connection?.closeConnection() }
        }
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        // Dropped on the floor: the peer sees a connection that has gone silent.
    }

    override func drain() {
        if active { toxic.connection?.closeConnection() }
    }
}
