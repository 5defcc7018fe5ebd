import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct ResetPeerToxicTests {
    /// The first data starts the timer; at `timeout` the stream's destination is reset. The data is dropped.
    @Test func resetsDestinationAfterTimeout() throws {
        let h = try ToxicHarness(try ResetPeerToxic(attributes: ToxicAttributes(["timeout": .number(200)])), stream: .downstream)
        h.loop.advanceTime(by: .seconds(5))
        #expect(h.connection.resets.isEmpty)
        try h.send("dropped")
        h.loop.advanceTime(by: .milliseconds(199))
        #expect(h.connection.resets.isEmpty)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(h.connection.resets == [.downstream])
        #expect(try h.received() == "")
    }

    /// Timeout 0 resets on the first data; on the upstream stream the server side is reset.
    @Test func immediateResetUpstream() throws {
        let h = try ToxicHarness(try ResetPeerToxic(attributes: ToxicAttributes([:])), stream: .upstream)
        try h.send("x")
        try h.send("y")
        #expect(h.connection.resets == [.upstream])
        #expect(h.firedCount == 1)
    }
}
