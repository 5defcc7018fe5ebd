import GameDayCore
import NIOCore

/// `slow_close`: data passes at once, but the close (EOF) reaches the destination `delay` ms late.
public struct SlowCloseToxic: Toxic {
    public static let typeName = "slow_close"
    /// Milliseconds the close is held back.
    public var delay: Int64

    public init(attributes: ToxicAttributes) throws {
        delay = try attributes.integer("delay")
    }

    public var attributes: [String: JSONValue] { ["delay": .init(delay)] }

    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { SlowCloseHandler(toxic: self, context: context) }
}

final class SlowCloseHandler: ToxicHandler {
    private let delay: TimeAmount
    private let active: Bool
    private var endPending = false

    init(toxic: SlowCloseToxic, context: ToxicHandlerContext) {
        delay = .milliseconds(toxic.delay)
        active = context.sample()
        super.init(context: context)
    }

    override func receivedEnd() {
        guard active else { return emitEnd() }
        toxic.recordFired()
        endPending = true
        after(delay) { [weak self] in
            guard let self, self.endPending else { return }
            self.endPending = false
            self.emitEnd()
        }
    }

    override func drain() {
        if endPending {
            endPending = false
            emitEnd()
        }
    }
}
