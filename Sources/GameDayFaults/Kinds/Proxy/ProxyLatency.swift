import GameDayCore
import GameDayYAML
import Yams

/// `latency` with `proxy:`: the `latency` toxic.
public enum ProxyLatency: ProxyToxicKind {
    public static let planName = "latency"
    public static let toxicType: String? = "latency"
    public static let attributeKeys = [
        OptionKey("latency", .duration, required: true, "added to each chunk of data"),
        OptionKey("jitter", .duration, default: "0ms", "random variation"),
    ]
    public static let documentation = KindDocumentation(summary: "Delay data through the proxy.", example: "{ latency: 400ms, jitter: 50ms }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        guard let node = with.flatMap({ reader.require($0, "latency", "latency fault of step '\(context.step)'") }),
              let span = reader.duration(node, "latency") else {
            if with == nil { reader.error(context.stepNode, "latency fault of step '\(context.step)' needs 'with: { latency: 100ms }'") }
            return nil
        }
        return ["latency": .number(Double(span.milliseconds)), "jitter": milliseconds(with, "jitter", reader)]
    }
}
