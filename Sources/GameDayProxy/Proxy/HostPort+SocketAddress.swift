import GameDayCore
import NIOCore

extension HostPort {
    /// The resolved spelling of a bound socket address (`127.0.0.1:41234`, `[::1]:41234`).
    init?(_ address: SocketAddress) {
        guard let ip = address.ipAddress, let port = address.port else { return nil }
        self.init(host: ip, port: port)
    }
}
