import GameDayCore
import GameDayYAML

/// `limit-data`: the `limit_data` toxic: close the connection after some bytes.
public enum ProxyLimitData: ProxyToxicKind {
    public static let planName = "limit-data"
    public static let toxicType: String? = "limit_data"
    public static let attributeKeys = [OptionKey("bytes", .integer(0...Int(Int32.max)), default: "0", "bytes before the connection is closed")]
    public static let documentation = KindDocumentation(summary: "Close connections after a number of bytes.", example: "{ bytes: 1024 }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["bytes": .number(Double(reader.int(with?["bytes"], "bytes", range: 0...Int(Int32.max)) ?? 0))]
    }
}
