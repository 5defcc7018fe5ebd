import GameDayCore
import NIOCore
import Testing
@testable import GameDayProxy

struct SlicerToxicTests {
    private func slicer(_ average: Int, _ variation: Int, delay: Int = 0) throws -> SlicerToxic {
        try SlicerToxic(attributes: ToxicAttributes([
            "average_size": .number(Double(average)), "size_variation": .number(Double(variation)), "delay": .number(Double(delay)),
        ]))
    }

    /// Pieces cover the chunk exactly and stay near the average size.
    @Test func piecesCoverChunk() throws {
        let toxic = try slicer(100, 20)
        var random = SeededGenerator(seed: 3)
        let pieces = toxic.pieces(of: 10_000, random: &random)
        #expect(pieces.reduce(0, +) == 10_000)
        #expect(pieces.allSatisfy { $0 > 0 && $0 <= 120 })
    }

    /// With a delay, pieces leave `delay` µs apart and in order.
    @Test func piecesAreSpacedByDelay() throws {
        let h = try ToxicHarness(try slicer(10, 0, delay: 1000))
        try h.send("abcdefghijklmnopqrstuvwxyz0123456789ABCD")
        var got = ""
        var steps = 0
        while got.count < 40, steps < 100 {
            h.loop.advanceTime(by: .microseconds(1000))
            got += try h.received()
            steps += 1
        }
        #expect(got == "abcdefghijklmnopqrstuvwxyz0123456789ABCD")
        #expect(steps >= 3)
    }

    /// size_variation must be below average_size, as Toxiproxy documents.
    @Test func rejectsVariationNotBelowAverage() {
        #expect(throws: ToxicAttributeError.self) { try slicer(10, 10) }
        #expect(throws: ToxicAttributeError.self) { try slicer(0, 0) }
    }
}
