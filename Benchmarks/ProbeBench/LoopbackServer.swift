import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The benchmark's HTTP server, run in a child process (`ProbeBench --serve`) so its CPU is not counted as the
/// probes'. It answers every request with `200 ok` and closes the connection; it prints its port on stdout and exits
/// when stdin closes (the parent exited or is done).
enum LoopbackServer {
    static func serve() -> Never {
        signal(SIGPIPE, SIG_IGN)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { fail("socket") }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 4096) == 0 else { fail("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        FileHandle.standardOutput.write(Data("\(UInt16(bigEndian: address.sin_port))\n".utf8))

        let response = Array("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8)
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: 0, events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { fail("poll") }
            if fds[1].revents != 0 { exit(0) }
            guard fds[0].revents != 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            // Requests are tiny and arrive at once over loopback; read until the end of the headers.
            var received: [UInt8] = []
            while received.count < 65536 {
                let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                received.append(contentsOf: buffer.prefix(count))
                if received.suffix(4) == [13, 10, 13, 10] { break }
            }
            if received.suffix(4) == [13, 10, 13, 10] {
                _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
            }
            close(connection)
        }
    }

    private static func fail(_ what: String) -> Never {
        FileHandle.standardError.write(Data("ProbeBench --serve: \(what) failed: \(String(cString: strerror(errno)))\n".utf8))
        exit(1)
    }
}
