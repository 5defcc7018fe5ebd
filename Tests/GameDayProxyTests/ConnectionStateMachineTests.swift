import Testing
@testable import GameDayProxy

struct ConnectionStateMachineTests {
    /// One side's FIN is relayed as a half-close; the second FIN closes the connection.
    @Test func relaysHalfCloseThenCloses() {
        var machine = ConnectionStateMachine()
        #expect(machine.endOfStream(from: .client) == .shutdownOutput(.upstream))
        #expect(machine.endOfStream(from: .upstream) == .closeGracefully)
        #expect(machine.closeRequested() == .none)
    }

    /// A socket dying closes everything once; later events do nothing.
    @Test func inactiveSideClosesOnce() {
        var machine = ConnectionStateMachine()
        #expect(machine.sideInactive(.upstream) == .closeGracefully)
        #expect(machine.sideInactive(.client) == .none)
        #expect(machine.endOfStream(from: .client) == .none)
    }

    /// A reset request resets the named side, and wins only if nothing is closing yet.
    @Test func resetRequested() {
        var machine = ConnectionStateMachine()
        #expect(machine.resetRequested(destination: .client) == .reset(.client))
        #expect(machine.resetRequested(destination: .upstream) == .none)
        #expect(machine.isClosing)
    }
}
