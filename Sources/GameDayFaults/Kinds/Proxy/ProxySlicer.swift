import GameDayCore
import GameDayYAML

/// `slicer`: the `slicer` toxic: cut data into small pieces, optionally delayed.
public enum ProxySlicer: ProxyToxicKind {
    public static let planName = "slicer"
    public static let toxicType: String? = "slicer"
    public static let attributeKeys = [
        OptionKey("averageSize", .integer(1...1 << 30), default: "64", "bytes per slice"),
        OptionKey("sizeVariation", .integer(0...1 << 30), default: "32", "bytes"),
        OptionKey("delay", .duration, default: "0ms", "between slices"),
    ]
    public static let documentation = KindDocumentation(summary: "Slice data into small pieces.", example: "{ averageSize: 16, sizeVariation: 8, delay: 1ms }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        ["average_size": .number(Double(reader.int(with?["averageSize"], "averageSize", range: 1...1 << 30) ?? 64)),
         "size_variation": .number(Double(reader.int(with?["sizeVariation"], "sizeVariation", range: 0...1 << 30) ?? 32)),
         "delay": .number(Double((reader.duration(with?["delay"], "delay", allowZero: true)?.milliseconds ?? 0) * 1000))]
    }
}
