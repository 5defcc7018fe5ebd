import GameDayCore
import GameDayYAML

/// `http-error`: the `http_error` toxic (gameday proxy only): answer requests with an error status.
public enum ProxyHTTPError: ProxyToxicKind {
    public static let planName = "http-error"
    public static let toxicType: String? = "http_error"
    /// It reads requests, so it always sits on the upstream (client to server) stream.
    public static let fixedStream: ProxyToxicOptions.Stream? = .upstream
    public static let attributeKeys = [
        OptionKey("status", .integer(100...599), default: "503", "the status code"),
        OptionKey("body", .string, "the response body"),
        OptionKey("headers", .stringMap, "response headers"),
        OptionKey("abort", .boolean, default: "false", "cut the connection mid-response"),
    ]
    public static let documentation = KindDocumentation(summary: "Answer HTTP requests with an error (gameday proxy only).", example: "{ status: 503, body: unavailable }")

    public static func attributes(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> [String: JSONValue]? {
        var attributes: [String: JSONValue] = [:]
        let status = reader.int(with?["status"], "status", range: 100...599) ?? 503
        attributes["status_code"] = .number(Double(status))
        if let body = reader.string(with?["body"], "body") { attributes["body"] = .string(body) }
        if let headers = reader.stringMap(with?["headers"], "headers") { attributes["headers"] = .object(headers.mapValues { .string($0) }) }
        if let abort = reader.bool(with?["abort"], "abort"), abort { attributes["abort"] = .bool(true) }
        return attributes
    }
}
