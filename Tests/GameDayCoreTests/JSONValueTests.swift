import GameDayCore
import Testing

@Suite struct JSONValueTests {
    /// Plan previews and injector descriptions show values as people write them, never `250.0` or a crash.
    @Test func plainText() {
        #expect(JSONValue.string("a b").plainText == "a b")
        #expect(JSONValue.number(250).plainText == "250")
        #expect(JSONValue.number(-3).plainText == "-3")
        #expect(JSONValue.number(0.5).plainText == "0.5")
        #expect(JSONValue.number(1e20).plainText == "1e+20")
        #expect(JSONValue.number(.infinity).plainText == "inf")
        #expect(JSONValue.bool(true).plainText == "true")
        #expect(JSONValue.null.plainText == "null")
        #expect(JSONValue.array([.number(1), .string("x")]).plainText == "[1,\"x\"]")
        #expect(JSONValue.object(["b": .number(2), "a": .string("/")]).plainText == "{\"a\":\"/\",\"b\":2}")
    }
}
