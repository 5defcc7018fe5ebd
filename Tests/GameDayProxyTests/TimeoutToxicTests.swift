import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct TimeoutToxicTests {
    /// Data is dropped and the connection is closed after `timeout` ms.
    @Test func dropsDataThenCloses() throws {
        let h = try ToxicHarness(try TimeoutToxic(attributes: ToxicAttributes(["timeout": .number(1000)])))
        try h.send("lost")
        #expect(try h.received() == "")
        h.loop.advanceTime(by: .milliseconds(999))
        #expect(h.connection.closes == 0)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(h.connection.closes == 1)
    }

    /// With timeout 0 the connection is never closed by the toxic; data keeps being dropped.
    @Test func zeroTimeoutNeverCloses() throws {
        let h = try ToxicHarness(try TimeoutToxic(attributes: ToxicAttributes(["timeout": .number(0)])))
        try h.send("lost")
        h.loop.advanceTime(by: .hours(1))
        #expect(h.connection.closes == 0)
        #expect(try h.received() == "")
    }

    /// As in Toxiproxy, removing it closes the connections whose bytes it dropped.
    @Test func removalClosesAffectedConnections() throws {
        let h = try ToxicHarness(try TimeoutToxic(attributes: ToxicAttributes(["timeout": .number(0)])))
        try h.remove()
        #expect(h.connection.closes == 1)
    }

    /// A connection not picked by toxicity flows normally and is left open.
    @Test func unpickedConnectionFlows() throws {
        let h = try ToxicHarness(try TimeoutToxic(attributes: ToxicAttributes(["timeout": .number(10)])), toxicity: 0)
        try h.send("ok")
        h.loop.advanceTime(by: .seconds(1))
        #expect(try h.received() == "ok")
        #expect(h.connection.closes == 0)
    }
}
