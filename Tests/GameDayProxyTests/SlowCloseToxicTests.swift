import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct SlowCloseToxicTests {
    /// Data passes at once; the close arrives `delay` ms later.
    @Test func delaysOnlyTheClose() throws {
        let h = try ToxicHarness(try SlowCloseToxic(attributes: ToxicAttributes(["delay": .number(500)])))
        try h.send("data")
        #expect(try h.received() == "data")
        h.sendEnd()
        h.loop.advanceTime(by: .milliseconds(499))
        #expect(h.ends.ends == 0)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(h.ends.ends == 1)
    }

    /// Removing the toxic lets a held close through immediately.
    @Test func removalReleasesTheClose() throws {
        let h = try ToxicHarness(try SlowCloseToxic(attributes: ToxicAttributes(["delay": .number(60_000)])))
        h.sendEnd()
        try h.remove()
        #expect(h.ends.ends == 1)
    }
}
