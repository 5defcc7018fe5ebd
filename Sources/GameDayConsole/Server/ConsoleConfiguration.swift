import GameDayCore

/// Where the console listens and who may use it.
public struct ConsoleConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var access: ConsoleAccess
    /// A blind drill: participants and observers get the journal through ``BlindView``.
    public var blind: Bool

    public init(host: String, port: Int, access: ConsoleAccess, blind: Bool = false) {
        self.host = host; self.port = port; self.access = access; self.blind = blind
    }

    /// Parses `HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:8080`; port 0 picks a free one) and makes fresh
    /// tokens; a bind beyond loopback is allowed because every link carries its role's token.
    public static func parse(_ address: String, blind: Bool = false) throws(ConsoleError) -> ConsoleConfiguration {
        guard let hostPort = HostPort.parse(address) else {
            throw ConsoleError.badAddress(address)
        }
        var generator = SystemRandomNumberGenerator()
        let loopback = hostPort.isLoopback
        return ConsoleConfiguration(host: hostPort.host, port: hostPort.port,
                                    access: .random(loopback: loopback, using: &generator), blind: blind)
    }
}

/// Why the console could not start.
public enum ConsoleError: Error, CustomStringConvertible, Equatable {
    case badAddress(String)
    case bindFailed(address: String, reason: String)

    public var description: String {
        switch self {
        case .badAddress(let address):
            return "--console expects HOST:PORT such as 127.0.0.1:8080, got '\(address)'"
        case .bindFailed(let address, let reason):
            return "the console cannot listen on \(address) (\(reason)); pick another port, e.g. --console 127.0.0.1:0"
        }
    }
}
