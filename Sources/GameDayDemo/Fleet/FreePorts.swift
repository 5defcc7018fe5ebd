#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Finds free loopback ports for processes that must bind a port known in advance (replicas keep their port across
/// restarts, so they cannot bind port 0).
enum FreePorts {
    /// Ports free on 127.0.0.1, chosen below the kernel's ephemeral range so that outgoing connections (which take
    /// local ports from that range) can never occupy them while a replica is down.
    static func pick(_ count: Int) throws -> [Int] {
        let ephemeralStart = ephemeralRangeStart()
        let low = 20_000
        let high = max(low + 1_000, min(ephemeralStart, 32_768))
        var generator = SystemRandomNumberGenerator()
        var chosen: [Int] = []
        var attempts = 0
        while chosen.count < count {
            attempts += 1
            guard attempts <= 2_000 else {
                throw DemoFleetError.noFreePort(reason: "no free port in \(low)..<\(high) after 2000 tries")
            }
            let candidate = Int.random(in: low..<high, using: &generator)
            if !chosen.contains(candidate), isFree(candidate) { chosen.append(candidate) }
        }
        return chosen
    }

    /// True when a listening socket could bind 127.0.0.1:`port` right now.
    static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return bound == 0 && listen(fd, 1) == 0
    }

    private static func ephemeralRangeStart() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
              let value = Int(first) else { return 32_768 }
        return value
    }
}
