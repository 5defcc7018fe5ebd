import GameDayCore
import GameDayYAML

/// `slow-open`: the `slow_open` toxic (gameday proxy only): delay the start of each connection.
public enum ProxySlowOpen: ProxyToxicKind {
    public static let planName = "slow-open"
    public static let toxicType: String? = "slow_open"
    public static let attributeKeys = [OptionKey("delay", .duration, default: "1s", "before the connection carries data")]
    public static let documentation = KindDocumentation(summary: "Delay the start of each connection (gameday proxy only).", example: "{ delay: 2s }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["delay": milliseconds(with, "delay", reader, allowZero: false, default: 1000)]
    }
}
