/// Decides how a proxied connection winds down (pure: no I/O, tested directly).
///
/// The proxy relays half-closes: when one side's end of stream has passed through the toxics, the other side's
/// output is shut down; when both have ended, or either socket dies, or a toxic asks, the connection closes.
struct ConnectionStateMachine: Sendable {
    enum Side: Sendable, Hashable {
        case client, upstream

        var other: Side { self == .client ? .upstream : .client }
    }

    enum Action: Sendable, Equatable {
        case none
        /// Shut down the output of this side (relay the FIN) and keep the other direction flowing.
        case shutdownOutput(Side)
        /// Flush what was written and close both sides with FIN.
        case closeGracefully
        /// Reset this side (RST) and close the other gracefully.
        case reset(Side)
    }

    private var ended: Set<Side> = []
    private(set) var isClosing = false

    /// The end of stream read from `source` reached the end of its toxic chain.
    mutating func endOfStream(from source: Side) -> Action {
        guard !isClosing else { return .none }
        ended.insert(source)
        if ended.count == 2 {
            isClosing = true
            return .closeGracefully
        }
        return .shutdownOutput(source.other)
    }

    /// Shutting down a side's output failed (its socket is gone).
    mutating func shutdownFailed() -> Action { closeRequested() }

    /// A toxic or the proxy wants the connection closed.
    mutating func closeRequested() -> Action {
        guard !isClosing else { return .none }
        isClosing = true
        return .closeGracefully
    }

    /// A toxic wants `destination` to see a reset.
    mutating func resetRequested(destination: Side) -> Action {
        guard !isClosing else { return .none }
        isClosing = true
        return .reset(destination)
    }

    /// A socket closed or failed underneath us (peer reset, error).
    mutating func sideInactive(_ side: Side) -> Action { closeRequested() }
}
