import GameDayCore
import GameDayYAML

/// `slow-close`: the `slow_close` toxic: delay closing connections.
public enum ProxySlowClose: ProxyToxicKind {
    public static let planName = "slow-close"
    public static let toxicType: String? = "slow_close"
    public static let attributeKeys = [OptionKey("delay", .duration, default: "0ms", "before the close is passed on")]
    public static let documentation = KindDocumentation(summary: "Delay the close of connections.", example: "{ delay: 1s }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["delay": milliseconds(with, "delay", reader)]
    }
}
