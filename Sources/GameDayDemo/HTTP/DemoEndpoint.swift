import Foundation

/// An `http://host:port[/prefix]` address of a demo service, checked once so request paths can be built safely.
public struct DemoEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address, e.g. `127.0.0.1`.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Path prefix without a trailing slash (empty for none), prepended to every request path.
    public var pathPrefix: String

    public init(host: String, port: Int, pathPrefix: String = "") {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
    }

    /// Parses `http://host:port[/prefix]`; throws ``DemoFleetError/invalidURL(_:reason:)`` otherwise.
    public init(url: String) throws {
        guard let components = URLComponents(string: url) else {
            throw DemoFleetError.invalidURL(url, reason: "it is not a URL")
        }
        guard components.scheme == "http" else {
            throw DemoFleetError.invalidURL(url, reason: "only http:// URLs are supported")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DemoFleetError.invalidURL(url, reason: "it has no host")
        }
        guard let port = components.port, (1...65535).contains(port) else {
            throw DemoFleetError.invalidURL(url, reason: "it needs an explicit port between 1 and 65535")
        }
        guard components.query == nil, components.fragment == nil else {
            throw DemoFleetError.invalidURL(url, reason: "a query or fragment is not allowed")
        }
        var prefix = components.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        self.init(host: host, port: port, pathPrefix: prefix)
    }

    /// The endpoint as an `http://` URL string.
    public var url: String { "http://\(host):\(port)\(pathPrefix)" }

    public var description: String { url }

    /// The request target for `path` (which starts with `/`) under this endpoint's prefix.
    public func requestPath(_ path: String) -> String { pathPrefix + path }
}
