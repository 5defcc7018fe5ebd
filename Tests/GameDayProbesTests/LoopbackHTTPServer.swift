import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) for probe tests, serving one connection at a time on its own
/// thread. Each path maps to a canned response, or to `.hang`: read the request and never answer.
///
/// `@unchecked Sendable`: the socket and the thread's connection list are touched only by the server thread;
/// `routes`, `requests` and the stop flag live in `Mutex`es; `port` and the wake pipe are immutable after init.
final class LoopbackHTTPServer: @unchecked Sendable {
    enum Response: Sendable {
        case reply(status: Int, body: String, headers: [String: String] = [:])
        /// Read the request, then hold the connection open without answering until the server stops.
        case hang
        /// Read the request, wait this many milliseconds (holding up the server's one thread), then reply.
        case delayed(milliseconds: Int, status: Int, body: String)
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var headerLines: [String]
    }

    let port: Int
    private let listener: Int32
    private let wake: [Int32]
    private let routes: Mutex<[String: Response]>
    private let log = Mutex<[Request]>([])
    private let done = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(routes: [String: Response]) throws {
        self.routes = Mutex(routes)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 512) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            close(fd)
            throw ServerError("pipe: \(String(cString: strerror(errno)))")
        }
        wake = pipeFDs
        let thread = Thread { [self] in serve() }
        thread.name = "loopback-http-server"
        thread.start()
    }

    /// Every request received so far.
    var requests: [Request] { log.withLock { $0 } }

    func route(_ path: String, _ response: Response) {
        routes.withLock { $0[path] = response }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops the thread and closes every socket it opened (the listener and held connections).
    func stop() {
        let first = done.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
        finished.wait()
        close(wake[0]); close(wake[1])
    }

    private func serve() {
        var held: [Int32] = []
        defer {
            held.forEach { close($0) }
            close(listener)
            finished.signal()
        }
        while true {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0)]
            guard poll(&fds, 2, 1000) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            if handle(connection) { held.append(connection) } else { close(connection) }
        }
    }

    /// Serves one request; returns true if the connection is to be held open unanswered.
    private func handle(_ connection: Int32) -> Bool {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while data.count < 65536 {
            let count = buffer.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return false }
            data.append(contentsOf: buffer.prefix(count))
            if data.count >= 4, String(decoding: data, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        let head = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return false }
        let request = Request(method: String(parts[0]), path: String(parts[1]), headerLines: Array(lines.dropFirst()))
        log.withLock { $0.append(request) }
        var response = routes.withLock({ $0[request.path] }) ?? .reply(status: 404, body: "not found")
        if case let .delayed(milliseconds, status, body) = response {
            usleep(UInt32(milliseconds) * 1000)
            response = .reply(status: status, body: body)
        }
        switch response {
        case .hang:
            return true
        case .delayed:
            return false
        case let .reply(status, body, headers):
            var text = "HTTP/1.1 \(status) Canned\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            text += "\r\n" + (request.method == "HEAD" ? "" : body)
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { break }
                sent += count
            }
            return false
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A loopback port with nothing listening: bound, then closed (the kernel does not hand it out again at once).
func closedLoopbackPort() throws -> Int {
    let server = try LoopbackHTTPServer(routes: [:])
    let port = server.port
    server.stop()
    return port
}
