import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct SlowOpenToxicTests {
    /// The open delay is `delay` ± `jitter`, and the same for the same seed.
    @Test func delayWithSeededJitter() throws {
        let toxic = try SlowOpenToxic(attributes: ToxicAttributes(["delay": .number(200), "jitter": .number(50)]))
        var a = SeededGenerator(seed: 5)
        var b = SeededGenerator(seed: 5)
        let first = (0..<20).map { _ in toxic.openDelay(random: &a) }
        let second = (0..<20).map { _ in toxic.openDelay(random: &b) }
        #expect(first == second)
        #expect(first.allSatisfy { $0 >= .milliseconds(150) && $0 <= .milliseconds(250) })
        #expect(Set(first.map(\.nanoseconds)).count > 1)
    }

    /// Its stream handler is a pass-through: it acts only when connections open.
    @Test func streamHandlerPassesThrough() throws {
        let h = try ToxicHarness(try SlowOpenToxic(attributes: ToxicAttributes(["delay": .number(1000)])))
        try h.send("bytes")
        #expect(try h.received() == "bytes")
    }
}
