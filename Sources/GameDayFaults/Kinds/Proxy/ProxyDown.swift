import GameDayCore
import GameDayYAML

/// `down`: disables the proxy; the revert re-enables it.
public enum ProxyDown: ProxyToxicKind {
    public static let planName = "down"
    public static let toxicType: String? = nil
    public static let attributeKeys: [OptionKey] = []
    public static let documentation = KindDocumentation(summary: "Disable the proxy (connections refused); the revert re-enables it.", example: "")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? { [:] }
}
