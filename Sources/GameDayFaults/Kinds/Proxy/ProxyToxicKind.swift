import GameDayCore
import GameDayYAML
import Yams

/// The options of every proxy fault: a Toxiproxy toxic's stream, toxicity and attributes (Toxiproxy names and
/// units: `latency`/`jitter` in ms, `rate` in KB/s, ...), which cross the proxy API unchanged.
public struct ProxyToxicOptions: FaultOptions {
    public enum Stream: String, Sendable, Codable { case upstream, downstream }

    public var stream: Stream
    public var toxicity: Double
    public var attributes: [String: JSONValue]

    public init(stream: Stream = .downstream, toxicity: Double = 1, attributes: [String: JSONValue] = [:]) {
        self.stream = stream; self.toxicity = toxicity; self.attributes = attributes
    }
}

/// A fault that is one Toxiproxy toxic on the step's proxy (or, for `down`, disabling the proxy). A proxy kind file
/// gives its plan name, toxic type, attribute keys and how `with:` becomes attributes; the rest is shared here.
public protocol ProxyToxicKind: FaultKind where Options == ProxyToxicOptions {
    /// The toxic type on the proxy API (`reset_peer`); nil disables the proxy instead.
    static var toxicType: String? { get }
    /// The kind's own `with:` keys (`stream` and `toxicity` are added).
    static var attributeKeys: [OptionKey] { get }
    /// The stream the toxic must sit on whatever the plan says (`http_error` reads requests: upstream).
    static var fixedStream: ProxyToxicOptions.Stream? { get }
    /// The toxic's attributes from `with:`; nil when a required key is missing (reported).
    static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]?
}

extension ProxyToxicKind {
    public static var id: String { "proxy.\(planName)" }
    public static var placement: Placement { .proxy }
    public static var conflict: ConflictClass { .exclusiveOnProxy }
    public static var fixedStream: ProxyToxicOptions.Stream? { nil }
    public static var keys: [OptionKey] {
        attributeKeys + [
            OptionKey("stream", .oneOf(["downstream", "upstream"]), default: "downstream",
                      "`downstream` (server to client) or `upstream`"),
            OptionKey("toxicity", .probability, default: "1", "probability per connection (`0.25` or `25%`)"),
        ]
    }

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let attributes = attributes(with, context, reader) else { return nil }
        var options = ProxyToxicOptions(attributes: attributes)
        if let node = with?["stream"], let text = reader.string(node, "stream") {
            if let s = ProxyToxicOptions.Stream(rawValue: text) { options.stream = s }
            else { reader.error(node, "stream must be upstream or downstream, found '\(text)'") }
        }
        if let t = reader.probability(with?["toxicity"], "toxicity") { options.toxicity = t }
        return options
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        guard let toxicType else { return .proxy(ProxyAction(.disable)) }
        return .proxy(ProxyAction(.addToxic(type: toxicType, stream: (fixedStream ?? options.stream).rawValue,
                                            toxicity: options.toxicity, attributes: options.attributes)))
    }

    /// A step's fault of this kind.
    public static func fault(stream: ProxyToxicOptions.Stream = .downstream, toxicity: Double = 1,
                             attributes: [String: JSONValue] = [:]) -> Fault {
        fault(ProxyToxicOptions(stream: stream, toxicity: toxicity, attributes: attributes))
    }

    /// A duration key as whole milliseconds (`default` when absent).
    static func milliseconds(_ with: NodeReader.Fields?, _ key: String, _ reader: NodeReader, allowZero: Bool = true, default value: Int64 = 0) -> JSONValue {
        .number(Double(reader.duration(with?[key], key, allowZero: allowZero)?.milliseconds ?? value))
    }
}
