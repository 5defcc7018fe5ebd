import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct BandwidthToxicTests {
    private func bandwidth(_ rate: Int) throws -> BandwidthToxic {
        try BandwidthToxic(attributes: ToxicAttributes(["rate": .number(Double(rate))]))
    }

    /// 250 kB at 1000 KB/s leave in 100 ms pieces and are all through after 250 ms.
    @Test func paceMatchesRate() throws {
        let h = try ToxicHarness(try bandwidth(1000))
        try h.send(bytes: 250_000)
        h.loop.advanceTime(by: .milliseconds(99))
        #expect(try h.receivedCount() == 0)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(try h.receivedCount() == 100_000)
        h.loop.advanceTime(by: .milliseconds(100))
        #expect(try h.receivedCount() == 100_000)
        h.loop.advanceTime(by: .milliseconds(49))
        #expect(try h.receivedCount() == 0)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(try h.receivedCount() == 50_000)
    }

    /// An idle link does not bank credit: a later burst is paced from when it arrives.
    @Test func idleTimeIsNotBanked() throws {
        let h = try ToxicHarness(try bandwidth(100))
        h.loop.advanceTime(by: .seconds(10))
        try h.send(bytes: 5_000)
        h.loop.advanceTime(by: .milliseconds(49))
        #expect(try h.receivedCount() == 0)
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(try h.receivedCount() == 5_000)
    }

    /// Rate 0 means no limit.
    @Test func zeroRateIsUnlimited() throws {
        let h = try ToxicHarness(try bandwidth(0))
        try h.send(bytes: 1_000_000)
        #expect(try h.receivedCount() == 1_000_000)
    }

    /// Removal forwards everything still queued.
    @Test func removalForwardsQueuedData() throws {
        let h = try ToxicHarness(try bandwidth(1))
        try h.send(bytes: 10_000)
        h.sendEnd()
        try h.remove()
        #expect(try h.receivedCount() == 10_000)
        #expect(h.ends.ends == 1)
    }
}
