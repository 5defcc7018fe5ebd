import Foundation
import GameDayCore

/// Parses and type-checks API request bodies into clear 400s (never a raw `DecodingError`).
enum JSONBody {
    /// Deepest nesting accepted; deeper input is refused before parsing (no stack exhaustion).
    static let maxDepth = 32

    static func parse(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw APIError.badRequestBody("the body is empty; send a JSON object")
        }
        try checkDepth(bytes)
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw APIError.badRequestBody("not valid JSON (\(describe(error)))")
        }
    }

    static func object(_ bytes: [UInt8]) throws(APIError) -> [String: JSONValue] {
        guard case .object(let object) = try parse(bytes) else {
            throw APIError.badRequestBody("expected a JSON object")
        }
        return object
    }

    static func string(_ object: [String: JSONValue], _ key: String) throws(APIError) -> String? {
        guard let value = object[key], value != .null else { return nil }
        guard case .string(let s) = value else {
            throw APIError.badRequestBody("field \"\(key)\" must be a string, got \(value.kindName)")
        }
        return s
    }

    static func bool(_ object: [String: JSONValue], _ key: String) throws(APIError) -> Bool? {
        guard let value = object[key], value != .null else { return nil }
        guard case .bool(let b) = value else {
            throw APIError.badRequestBody("field \"\(key)\" must be true or false, got \(value.kindName)")
        }
        return b
    }

    static func number(_ object: [String: JSONValue], _ key: String) throws(APIError) -> Double? {
        guard let value = object[key], value != .null else { return nil }
        guard case .number(let n) = value, n.isFinite else {
            throw APIError.badRequestBody("field \"\(key)\" must be a number, got \(value.kindName)")
        }
        return n
    }

    static func attributes(_ object: [String: JSONValue]) throws(APIError) -> [String: JSONValue]? {
        guard let value = object["attributes"], value != .null else { return nil }
        guard case .object(let attributes) = value else {
            throw APIError.badRequestBody("field \"attributes\" must be an object, got \(value.kindName)")
        }
        return attributes
    }

    private static func checkDepth(_ bytes: [UInt8]) throws(APIError) {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maxDepth { throw APIError.badRequestBody("JSON nested deeper than \(maxDepth) levels") }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
    }

    private static func describe(_ error: Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return context.debugDescription
            default: return "\(decoding)"
            }
        }
        return "\(error)"
    }
}
