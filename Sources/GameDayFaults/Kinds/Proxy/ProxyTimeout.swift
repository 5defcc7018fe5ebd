import GameDayCore
import GameDayYAML

/// `timeout`: the `timeout` toxic (stop data, close after the timeout; 0 holds forever).
public enum ProxyTimeout: ProxyToxicKind {
    public static let planName = "timeout"
    public static let toxicType: String? = "timeout"
    public static let attributeKeys = [OptionKey("timeout", .duration, default: "0ms", "0 = hold forever")]
    public static let documentation = KindDocumentation(summary: "Stop all data and close the connection after the timeout.", example: "{ timeout: 2s }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["timeout": milliseconds(with, "timeout", reader)]
    }
}
