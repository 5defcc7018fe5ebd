import Foundation

/// The typed `with:` options of one fault kind. Each kind in GameDayFaults declares its own.
public protocol FaultOptions: Sendable, Codable, Equatable {}

/// What a step does: a kind (by its unique id), the plan's name for it, and that kind's typed options.
///
/// The container knows no kind: GameDayFaults' registry gives each id its options type, its decoder, its action and
/// its documentation. Journals and `gameday plan --json` carry it as `{"kind": id, "name": plan name, "with": {...}}`.
/// Decoding is typed when the decoder's `userInfo[.faultKinds]` holds a registry, and keeps the options as raw JSON
/// otherwise (a report or `gameday recover` needs no registry, and a journal written by a newer gameday still loads).
/// Journals written before fault kinds were descriptors (`{"nodeLoss":{"_0":{...}}}`) load too.
public struct Fault: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The kind's unique id (`node-loss`, `host.latency`, `proxy.latency`).
    public let kind: String
    /// The plan's name for the fault (`node-loss`, `latency`, ...): what journals, postmortems and `randomFrom` show.
    public let kindName: String
    /// The kind's typed options (or `RawFaultOptions` when decoded without a registry).
    public let options: any FaultOptions

    public init(kind: String, kindName: String, options: any FaultOptions) {
        self.kind = kind; self.kindName = kindName; self.options = options
    }

    /// The options as `O`: a cast for typed options, a decode of the JSON for raw ones; nil when they are not `O`.
    public func options<O: FaultOptions>(as type: O.Type) -> O? {
        if let typed = options as? O { return typed }
        guard let raw = options as? RawFaultOptions, let data = try? JSONEncoder().encode(raw.json) else { return nil }
        return try? JSONDecoder().decode(O.self, from: data)
    }

    public var description: String { "\(kindName) (\(kind))" }

    private enum Keys: String, CodingKey { case kind, name, with }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let registry = decoder.userInfo[.faultKinds] as? any FaultOptionsDecoding
        guard container.contains(AnyKey("kind")), container.contains(AnyKey("name")) else {
            // Before fault kinds were descriptors: `{"<case>": {"_0": {...}}}`.
            guard container.allKeys.count == 1, let key = container.allKeys.first else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "a fault needs \"kind\" and \"name\" (or the single key of a journal written before gameday 0.5)"))
            }
            let payload = try container.nestedContainer(keyedBy: AnyKey.self, forKey: key)
            let json = try payload.decode(JSONValue.self, forKey: AnyKey("_0"))
            if let registry, let fault = registry.legacyFault(case: key.stringValue, payload: json) {
                self = fault
            } else {
                self = Fault.legacy(case: key.stringValue, payload: json)
            }
            return
        }
        let keyed = try decoder.container(keyedBy: Keys.self)
        kind = try keyed.decode(String.self, forKey: .kind)
        kindName = try keyed.decode(String.self, forKey: .name)
        if let registry, let typed = try registry.decodeOptions(kind: kind, from: keyed.superDecoder(forKey: .with)) {
            options = typed
        } else {
            options = RawFaultOptions(json: try keyed.decodeIfPresent(JSONValue.self, forKey: .with) ?? .object([:]))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(kindName, forKey: .name)
        let options: any FaultOptions = self.options
        try Self.encode(options, into: &container)
    }

    /// Equal kinds and names, and options with the same content (typed options equal raw ones with the same JSON).
    public static func == (a: Fault, b: Fault) -> Bool {
        guard a.kind == b.kind, a.kindName == b.kindName else { return false }
        // Bound to locals: the `options(as:)` overload would keep the existentials from being opened.
        let x: any FaultOptions = a.options, y: any FaultOptions = b.options
        if let typed = Self.same(x, y) { return typed }
        return Self.canonical(x) == Self.canonical(y)
    }

    private static func encode<O: FaultOptions>(_ options: O, into container: inout KeyedEncodingContainer<Keys>) throws {
        try container.encode(options, forKey: .with)
    }

    private static func same<O: FaultOptions>(_ x: O, _ other: any FaultOptions) -> Bool? { (other as? O).map { $0 == x } }

    private static func canonical<O: FaultOptions>(_ x: O) -> JSONValue? { x.canonicalJSON
    }

    /// A pre-descriptor journal's fault, without a registry: the name from the payload's `kind` or `type` (or the
    /// case), kebab-cased as plans spell it; the options as raw JSON.
    public static func legacy(case name: String, payload: JSONValue) -> Fault {
        var fields: [String: JSONValue] = [:]
        if case .object(let o) = payload { fields = o }
        let planName = kebab(fields["kind"]?.stringValue ?? fields["type"]?.stringValue ?? name)
        return Fault(kind: "legacy.\(name)", kindName: planName, options: RawFaultOptions(json: payload))
    }

    /// `packetLoss` → `packet-loss`.
    public static func kebab(_ camel: String) -> String {
        var out = ""
        for character in camel {
            if character.isUppercase { if !out.isEmpty { out.append("-") }; out += character.lowercased() } else { out.append(character) }
        }
        return out
    }
}

extension FaultOptions {
    /// The options as a JSON tree (for comparing typed and raw options).
    public var canonicalJSON: JSONValue? {
        guard let data = try? JSONEncoder().encode(self) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// Options kept as JSON: decoded without a registry, or of a kind this gameday does not know.
public struct RawFaultOptions: FaultOptions {
    public var json: JSONValue
    public init(json: JSONValue) { self.json = json }
    public init(from decoder: any Decoder) throws { json = try JSONValue(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }
}

/// Gives `Fault` decoding typed options: GameDayFaults' `FaultRegistry` conforms. Put it in a decoder's
/// `userInfo[.faultKinds]`.
public protocol FaultOptionsDecoding: Sendable {
    /// The typed options of `kind`, or nil when the kind is unknown (they are then kept raw).
    func decodeOptions(kind: String, from decoder: any Decoder) throws -> (any FaultOptions)?
    /// A pre-descriptor journal's fault (`{"nodeLoss":{"_0":{...}}}`), typed where the registry can.
    func legacyFault(case name: String, payload: JSONValue) -> Fault?
}

extension CodingUserInfoKey {
    /// Where `Fault` decoding finds the fault kinds (a `FaultOptionsDecoding`).
    public static let faultKinds = CodingUserInfoKey(rawValue: "gameday.faultKinds")!
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
