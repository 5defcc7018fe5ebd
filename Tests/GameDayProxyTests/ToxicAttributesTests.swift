import GameDayCore
import Testing
@testable import GameDayProxy

struct ToxicAttributesTests {
    /// Absent and null attributes take the default; present ones must have the right JSON type.
    @Test func typedAccess() throws {
        let attributes = ToxicAttributes(["n": .number(5), "s": .string("x"), "b": .bool(true), "z": .null,
                                          "m": .object(["k": .string("v")])])
        #expect(try attributes.integer("n") == 5)
        #expect(try attributes.integer("z", default: 9) == 9)
        #expect(try attributes.integer("missing", default: 3) == 3)
        #expect(try attributes.string("s") == "x")
        #expect(try attributes.bool("b"))
        #expect(try attributes.stringMap("m") == ["k": "v"])
        #expect(throws: ToxicAttributeError("attribute \"s\" must be a number, got a string")) { try attributes.integer("s") }
        #expect(throws: ToxicAttributeError.self) { try attributes.bool("n") }
        #expect(throws: ToxicAttributeError.self) { try attributes.stringMap("s") }
        #expect(throws: ToxicAttributeError.self) { try attributes.integer("n", minimum: 6) }
    }
}
