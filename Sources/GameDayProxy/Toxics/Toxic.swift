import GameDayCore
import NIOCore

/// Which way a toxic acts: `upstream` is client to server, `downstream` (Toxiproxy's default) is server to client.
public enum ToxicStream: String, Sendable, Codable, CaseIterable {
    case upstream, downstream
}

/// A fault ("toxic") a proxy applies to the bytes of one stream of each connection.
///
/// The contract (see `CREATING_FAULTS.md`): a toxic is a value type whose attributes *are* the API's attributes
/// (Toxiproxy names and units), validated in `init(attributes:)`; `makeHandler` builds the per-connection
/// `ToxicHandler` that does the work on the event loop. A toxic is registered with one line in `ToxicRegistry`.
/// Needs beyond a stream handler are expressed by also conforming to a capability protocol
/// (`ConnectionOpeningToxic`, `RequestSamplingToxic`, `FixedStreamToxic`), never by type checks elsewhere.
public protocol Toxic: Sendable {
    /// The `type` on the API (`latency`, `bandwidth`, ...).
    static var typeName: String { get }
    /// Decodes and validates the attributes; absent ones take their defaults. Throws `ToxicAttributeError`.
    init(attributes: ToxicAttributes) throws
    /// The attributes as the API shows them (every attribute, defaults included).
    var attributes: [String: JSONValue] { get }
    /// Builds the handler that applies this toxic to one stream of one connection.
    func makeHandler(context: ToxicHandlerContext) -> ToxicHandler
}

/// Capability: the toxic acts before the upstream connection is opened (e.g. `slow_open`).
///
/// For each new connection the proxy rolls the toxic's toxicity and, on a hit, waits `openDelay` before connecting
/// upstream. Its stream handler is a pass-through unless the toxic provides one.
public protocol ConnectionOpeningToxic: Toxic {
    /// How long to wait before connecting upstream.
    func openDelay(random: inout SeededGenerator) -> TimeAmount
}

extension ConnectionOpeningToxic {
    public func makeHandler(context: ToxicHandlerContext) -> ToxicHandler { ToxicHandler(context: context) }
}

/// Capability: the toxic applies its toxicity per request rather than per connection (e.g. `http_error`).
///
/// Its handler is installed on every connection, and `ToxicHandlerContext.sample()` draws per request.
public protocol RequestSamplingToxic: Toxic {}

/// Capability: the toxic only makes sense on one stream (e.g. `http_error` reads requests, so `upstream`).
///
/// When a create request omits `stream`, this stream is used; naming the other one is a 400.
public protocol FixedStreamToxic: Toxic {
    static var stream: ToxicStream { get }
}

/// A toxic attribute that is missing its required shape: becomes a 400 `bad request body: ...`.
public struct ToxicAttributeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The `attributes` object of a toxic, with typed, validating accessors.
public struct ToxicAttributes: Sendable, Equatable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }

    /// A whole number attribute (Toxiproxy's int64 fields), at least `minimum`.
    public func integer(_ key: String, default defaultValue: Int64 = 0, minimum: Int64 = 0) throws -> Int64 {
        guard let value = values[key], value != .null else { return defaultValue }
        guard case .number(let n) = value else {
            throw ToxicAttributeError("attribute \"\(key)\" must be a number, got \(value.kindName)")
        }
        guard n.isFinite, n == n.rounded(), abs(n) < 9e15 else {
            throw ToxicAttributeError("attribute \"\(key)\" must be a whole number, got \(n)")
        }
        guard Int64(n) >= minimum else {
            throw ToxicAttributeError("attribute \"\(key)\" must be at least \(minimum), got \(Int64(n))")
        }
        return Int64(n)
    }

    /// A string attribute.
    public func string(_ key: String, default defaultValue: String = "") throws -> String {
        guard let value = values[key], value != .null else { return defaultValue }
        guard case .string(let s) = value else {
            throw ToxicAttributeError("attribute \"\(key)\" must be a string, got \(value.kindName)")
        }
        return s
    }

    /// A boolean attribute.
    public func bool(_ key: String, default defaultValue: Bool = false) throws -> Bool {
        guard let value = values[key], value != .null else { return defaultValue }
        guard case .bool(let b) = value else {
            throw ToxicAttributeError("attribute \"\(key)\" must be true or false, got \(value.kindName)")
        }
        return b
    }

    /// An object of string values (e.g. HTTP headers).
    public func stringMap(_ key: String) throws -> [String: String] {
        guard let value = values[key], value != .null else { return [:] }
        guard case .object(let object) = value else {
            throw ToxicAttributeError("attribute \"\(key)\" must be an object of strings, got \(value.kindName)")
        }
        var out: [String: String] = [:]
        for (name, item) in object {
            guard case .string(let s) = item else {
                throw ToxicAttributeError("attribute \"\(key).\(name)\" must be a string, got \(item.kindName)")
            }
            out[name] = s
        }
        return out
    }
}

extension JSONValue {
    /// The JSON kind, for error messages.
    var kindName: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .bool: return "a boolean"
        case .array: return "an array"
        case .object: return "an object"
        case .null: return "null"
        }
    }
}

extension JSONValue {
    init(_ value: Int64) { self = .number(Double(value)) }
}
