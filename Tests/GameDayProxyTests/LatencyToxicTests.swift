import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct LatencyToxicTests {
    private func latency(_ ms: Int, jitter: Int = 0) throws -> LatencyToxic {
        try LatencyToxic(attributes: ToxicAttributes(["latency": .number(Double(ms)), "jitter": .number(Double(jitter))]))
    }

    /// Data is held for exactly `latency` ms of event-loop time, then forwarded.
    @Test func delaysDataByLatency() throws {
        let h = try ToxicHarness(try latency(100))
        try h.send("hello")
        #expect(try h.received() == "")
        h.loop.advanceTime(by: .milliseconds(99))
        #expect(try h.received() == "")
        h.loop.advanceTime(by: .milliseconds(1))
        #expect(try h.received() == "hello")
        #expect(h.firedCount == 1)
    }

    /// The end of stream waits behind the data, so a close never overtakes bytes.
    @Test func endOfStreamFollowsData() throws {
        let h = try ToxicHarness(try latency(50))
        try h.send("a")
        h.sendEnd()
        #expect(h.ends.ends == 0)
        h.loop.advanceTime(by: .milliseconds(50))
        #expect(try h.received() == "a")
        #expect(h.ends.ends == 1)
    }

    /// Removing the toxic forwards what it held at once (Toxiproxy: never drop data in flight).
    @Test func removalForwardsDataInFlight() throws {
        let h = try ToxicHarness(try latency(60_000))
        try h.send("in flight")
        h.sendEnd()
        try h.remove()
        #expect(try h.received() == "in flight")
        #expect(h.ends.ends == 1)
    }

    /// With a seed, jitter draws are the same every time; chunks still leave in order.
    @Test func jitterIsReproducibleWithSeed() throws {
        func releaseTimes(seed: UInt64) throws -> [Int] {
            let h = try ToxicHarness(try latency(100, jitter: 50), seed: seed)
            var times: [Int] = []
            var seen = 0
            for i in 0..<5 { try h.send(String(i)) }
            for ms in 1...200 {
                h.loop.advanceTime(by: .milliseconds(1))
                let got = try h.received()
                for _ in got { times.append(ms) }
                seen += got.count
                if seen == 5 { break }
            }
            return times
        }
        let first = try releaseTimes(seed: 42)
        #expect(first.count == 5)
        #expect(first == first.sorted())
        #expect(first.allSatisfy { (50...150).contains($0) })
        #expect(try releaseTimes(seed: 42) == first)
    }

    /// At toxicity 0 the toxic never acts.
    @Test func zeroToxicityPassesThrough() throws {
        let h = try ToxicHarness(try latency(1000), toxicity: 0)
        try h.send("now")
        #expect(try h.received() == "now")
        #expect(h.firedCount == 0)
    }

    /// Negative or fractional attributes are refused with a clear message.
    @Test func rejectsBadAttributes() {
        #expect(throws: ToxicAttributeError.self) { try LatencyToxic(attributes: ToxicAttributes(["latency": .number(-1)])) }
        #expect(throws: ToxicAttributeError.self) { try LatencyToxic(attributes: ToxicAttributes(["latency": .string("100ms")])) }
        #expect(throws: ToxicAttributeError.self) { try LatencyToxic(attributes: ToxicAttributes(["jitter": .number(1.5)])) }
    }
}
