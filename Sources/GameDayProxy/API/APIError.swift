import GameDayCore

/// An error answered by the control API as Toxiproxy does: `{"error": "<message>", "status": <code>}`.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var message: String

    public init(status: Int, _ message: String) { self.status = status; self.message = message }

    public var description: String { "\(status): \(message)" }

    var json: JSONValue { .object(["error": .string(message), "status": .number(Double(status))]) }

    static func badRequestBody(_ detail: String) -> APIError { APIError(status: 400, "bad request body: \(detail)") }
    static func missingField(_ field: String) -> APIError { APIError(status: 400, "missing required field: \(field)") }
    static let proxyNotFound = APIError(status: 404, "proxy not found")
    static let proxyAlreadyExists = APIError(status: 409, "proxy already exists")
    static let invalidStream = APIError(status: 400, "stream was invalid, can be either upstream or downstream")
    static let toxicAlreadyExists = APIError(status: 409, "toxic already exists")
    static let toxicNotFound = APIError(status: 404, "toxic not found")

    static func tooManyProxies(_ limit: Int) -> APIError {
        APIError(status: 409, "too many proxies: this daemon holds at most \(limit); delete one first (or start the daemon with a higher --max-proxies)")
    }

    static func tooManyToxics(proxy: String, _ limit: Int) -> APIError {
        APIError(status: 409, "too many toxics on proxy \"\(proxy)\": at most \(limit); delete one first (or start the daemon with a higher --max-toxics)")
    }

    static func invalidToxicType(_ type: String, known: [String]) -> APIError {
        APIError(status: 400, "invalid toxic type: \"\(type)\" (known types: \(known.joined(separator: ", ")))")
    }
}
