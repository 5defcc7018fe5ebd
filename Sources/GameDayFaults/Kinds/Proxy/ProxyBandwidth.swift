import GameDayCore
import GameDayYAML
import Yams

/// `bandwidth` with `proxy:`: the `bandwidth` toxic (KB/s).
public enum ProxyBandwidth: ProxyToxicKind {
    public static let planName = "bandwidth"
    public static let toxicType: String? = "bandwidth"
    public static let attributeKeys = [OptionKey("rate", .rate("KB/s"), required: true, "KB/s: `100`, `100KB/s`, `1MB/s`")]
    public static let documentation = KindDocumentation(summary: "Cap the rate of data through the proxy.", example: "{ rate: 100KB/s }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        guard let f = with, let node = reader.require(f, "rate", "bandwidth fault of step '\(context.step)'") else {
            if with == nil { reader.error(context.stepNode, "bandwidth fault of step '\(context.step)' needs 'with: { rate: 100 }' (KB/s)") }
            return nil
        }
        guard let rate = kilobytesPerSecond(node, reader) else { return nil }
        return ["rate": .number(Double(rate))]
    }

    private static func kilobytesPerSecond(_ node: Node, _ r: NodeReader) -> Int? {
        guard let text = r.string(node, "rate") else { return nil }
        let t = text.lowercased().replacingOccurrences(of: " ", with: "")
        let units: [(String, Double)] = [("mb/s", 1000), ("kb/s", 1), ("", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return Int(v * factor) }
        }
        r.error(node, "rate must be a positive number of KB/s (e.g. 100 or 100KB/s or 1MB/s), found '\(text)'")
        return nil
    }
}
