import GameDayCore
import NIOCore

/// A `host:port` address as the API spells it (`127.0.0.1:8080`, `localhost:0`, `[::1]:5432`, `:9000`).
struct HostPort: Sendable, Equatable, CustomStringConvertible {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    var host: String
    var port: Int

    init(host: String, port: Int) { self.host = host; self.port = port }

    /// Parses `text`; an empty host becomes `defaultHost`.
    init(parsing text: String, defaultHost: String) throws {
        let trimmed = text.trimmingASCIIWhitespace()
        guard let colon = trimmed.lastIndex(of: ":") else {
            throw ParseError(description: "address \"\(text)\" must be host:port")
        }
        var host = String(trimmed[..<colon])
        let portText = trimmed[trimmed.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw ParseError(description: "address \"\(text)\" has no valid port (0-65535)")
        }
        guard !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw ParseError(description: "address \"\(text)\" has an invalid host")
        }
        self.host = host.isEmpty ? defaultHost : host
        self.port = port
    }

    /// The resolved spelling of a bound socket address (`127.0.0.1:41234`, `[::1]:41234`).
    init?(_ address: SocketAddress) {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        self.host = ip
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether the host is a loopback literal (`localhost`, 127.0.0.0/8, `::1`); other names never count.
    var isLoopback: Bool { LoopbackHost.contains(host) }
}

extension String {
    func trimmingASCIIWhitespace() -> Substring {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}
