import Foundation

extension JSONValue {
    /// The value as a person reads it in a plan preview or a log line: a string without quotes, a whole number
    /// without a fraction (`250`, not `250.0`), `true`/`false`; arrays, objects and null as compact JSON with
    /// sorted keys.
    public var plainText: String {
        switch self {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): return String(b)
        case .array, .object, .null:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: (try? encoder.encode(self)) ?? Data("null".utf8), as: UTF8.self)
        }
    }
}
