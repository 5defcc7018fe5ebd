import GameDayCore
import Testing
@testable import GameDayProxy

struct ToxicRegistryTests {
    /// Every Toxiproxy toxic we promise, plus ours, is registered and builds from default attributes.
    @Test func standardToxicsBuildWithDefaults() throws {
        let names = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "http_error", "slow_open"]
        #expect(ToxicRegistry.standard.typeNames == names.sorted())
        for name in names {
            let type = try #require(ToxicRegistry.standard.type(named: name))
            let toxic = try type.init(attributes: ToxicAttributes())
            #expect(!toxic.attributes.isEmpty)
            // What the API shows reads back into the same toxic.
            let again = try type.init(attributes: ToxicAttributes(toxic.attributes))
            #expect(again.attributes == toxic.attributes)
        }
    }

    /// Unknown names are not found.
    @Test func unknownType() {
        #expect(ToxicRegistry.standard.type(named: "noop") == nil)
    }
}
