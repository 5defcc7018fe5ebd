import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct LimitDataToxicTests {
    /// Exactly `bytes` bytes pass, then the connection is closed.
    @Test func passesLimitThenCloses() throws {
        let h = try ToxicHarness(try LimitDataToxic(attributes: ToxicAttributes(["bytes": .number(10)])))
        try h.send("123456")
        #expect(h.connection.closes == 0)
        try h.send("789abc")
        #expect(try h.received() == "123456789a")
        #expect(h.connection.closes == 1)
        try h.send("more")
        #expect(try h.received() == "")
    }
}
