import GameDayCore
import NIOCore

/// `reset_peer`: on the first data (or close) after it is in place, waits `timeout` ms and then resets the
/// connection: the stream's destination gets a TCP RST ("connection reset by peer"). Data meanwhile is dropped.
public struct ResetPeerToxic: Toxic {
    public static let typeName = "reset_peer"
    /// Milliseconds between the first data seen and the reset (0: at once).
    public var timeout: Int64

    public init(attributes: ToxicAttributes) throws {
        timeout = try attributes.integer("timeout")
    }

    public var attributes: [String: JSONValue] { ["timeout": .init(timeout)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { ResetPeerHandler(toxic: self, context: context) }
}

final class ResetPeerHandler: ToxicHandler {
    private let timeout: Int64
    private let active: Bool
    private var triggered = false

    init(toxic: ResetPeerToxic, context: ToxicHandlerContext) {
        timeout = toxic.timeout
        active = context.sample()
        super.init(context: context)
    }

    private func trigger() {
        guard !triggered else { return }
        triggered = true
        toxic.recordFired()
        let stream = toxic.stream
        if timeout == 0 {
            toxic.connection?.resetConnection(stream: stream)
        } else {
            after(.milliseconds(timeout)) { [weak self] in self?.toxic.connection?.resetConnection(stream: stream) }
        }
    }

    override func received(_ chunk: ByteBuffer) {
        guard active else { return emit(chunk) }
        trigger()
    }

    override func receivedEnd() {
        guard active else { return emitEnd() }
        trigger()
    }
}
