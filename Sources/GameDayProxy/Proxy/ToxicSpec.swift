import GameDayCore

/// A toxic as configured on a proxy: what the API shows and what each connection builds its handler from.
public struct ToxicSpec: Sendable {
    public var name: String
    public var stream: ToxicStream
    /// Probability (0...1) that the toxic acts on a connection (or a request, for `RequestSamplingToxic`s).
    public var toxicity: Double
    public var toxic: any Toxic
    /// Bumped on every update, so live connections re-draw their randomness for the new configuration.
    var revision: Int = 0

    public init(name: String, stream: ToxicStream, toxicity: Double, toxic: any Toxic) {
        self.name = name; self.stream = stream; self.toxicity = toxicity; self.toxic = toxic
    }

    /// The API `type`.
    public var typeName: String { type(of: toxic).typeName }

    /// The Toxiproxy JSON shape: `{name, type, stream, toxicity, attributes}`.
    public var json: JSONValue {
        .object([
            "name": .string(name), "type": .string(typeName), "stream": .string(stream.rawValue),
            "toxicity": .number(toxicity), "attributes": .object(toxic.attributes),
        ])
    }
}

/// A change to a proxy's toxics, carried to every live connection.
enum ToxicChange: Sendable {
    case add(ToxicSpec)
    case update(ToxicSpec)
    case remove(name: String)
}
