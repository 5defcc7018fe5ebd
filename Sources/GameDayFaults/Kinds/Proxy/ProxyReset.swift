import GameDayCore
import GameDayYAML

/// `reset`: the `reset_peer` toxic (TCP RST after the timeout).
public enum ProxyReset: ProxyToxicKind {
    public static let planName = "reset"
    public static let toxicType: String? = "reset_peer"
    public static let attributeKeys = [OptionKey("timeout", .duration, default: "0ms", "reset after this long")]
    public static let documentation = KindDocumentation(summary: "Reset connections (TCP RST) after the timeout.", example: "{ timeout: 100ms }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["timeout": milliseconds(with, "timeout", reader)]
    }
}
