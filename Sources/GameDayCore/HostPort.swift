import Foundation

/// A `host:port` address as plans, the proxy API and the scheduler configuration spell it: `127.0.0.1:8080`,
/// `localhost:0`, `[::1]:5432`, and `:9000` where a default host applies.
///
/// The port is the digits after the last colon (0-65535), so an IPv6 host may be written with or without brackets;
/// `host` never keeps them. The one parser for every `host:port` the project reads.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// The host, without the brackets of an IPv6 literal.
    public var host: String
    public var port: Int

    /// `host` may carry the brackets of an IPv6 literal (`[::1]`); they are dropped.
    public init(host: String, port: Int) {
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }

    /// Parses `text` (surrounding whitespace ignored). An empty host becomes `defaultHost`, or is an error when
    /// there is none. A host may not contain spaces, `/` or stray brackets (a URL is not an address).
    public init(parsing text: String, defaultHost: String? = nil) throws(HostPortError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw HostPortError(text: text, problem: .noPort, description: "address \"\(text)\" must be host:port")
        }
        let portText = trimmed[trimmed.index(after: colon)...]
        guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portText), (0...65_535).contains(port) else {
            throw HostPortError(text: text, problem: .invalidPort, description: "address \"\(text)\" has no valid port (0-65535)")
        }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "[" || $0 == "]" }) else {
            throw HostPortError(text: text, problem: .invalidHost, description: "address \"\(text)\" has an invalid host")
        }
        if host.isEmpty {
            guard let defaultHost else {
                throw HostPortError(text: text, problem: .noHost, description: "address \"\(text)\" has no host")
            }
            host = defaultHost
        }
        self.host = host
        self.port = port
    }

    /// `text` as an address with a host, or nil when it is not one (for validators that word their own message).
    public static func parse(_ text: String) -> HostPort? {
        try? HostPort(parsing: text)
    }

    /// `host:port`, with brackets around an IPv6 host (`[::1]:5432`): ready for a URL or to be parsed again.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the host is a loopback literal (`localhost`, 127.0.0.0/8, `::1`); other names never count.
    public var isLoopback: Bool { LoopbackHost.contains(host) }
}

/// Why a text is not a `host:port` address; `description` says so with the text quoted.
public struct HostPortError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable { case noPort, invalidPort, invalidHost, noHost }

    /// The text as given.
    public var text: String
    public var problem: Problem
    public var description: String
}
