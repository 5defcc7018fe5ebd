import Foundation

/// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for webhook tests: records each request body and answers
/// with the next status from `statuses` (then 200). One connection at a time, closed after each answer.
public final class HookServer: @unchecked Sendable {
    // @unchecked: `bodies` and `statuses` are only touched under `lock`; the socket is closed once in `stop`.
    private let lock = NSLock()
    private var bodies: [Data] = []
    private var statuses: [Int]
    private let socketFD: Int32
    public let port: Int
    private var thread: Thread?

    public init(statuses: [Int] = []) throws {
        self.statuses = statuses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw TestSupportError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        self.thread = thread
        thread.start()
    }

    public var received: [Data] { lock.lock(); defer { lock.unlock() }; return bodies }

    public func stop() { shutdown(socketFD, Int32(SHUT_RDWR)); close(socketFD) }

    private func serve() {
        // Bounded: at most 1000 connections, and the loop ends when the socket is closed.
        for _ in 0..<1000 {
            let client = accept(socketFD, nil, nil)
            guard client >= 0 else { return }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            var expected: Int?
            while data.count < 1 << 20 {
                let n = read(client, &buffer, buffer.count)
                if n <= 0 { break }
                data.append(contentsOf: buffer[0..<n])
                if expected == nil, let range = data.range(of: Data("\r\n\r\n".utf8)) {
                    let head = String(decoding: data[..<range.lowerBound], as: UTF8.self).lowercased()
                    let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    expected = range.upperBound + length
                }
                if let expected, data.count >= expected { break }
            }
            var status = 200
            if let range = data.range(of: Data("\r\n\r\n".utf8)) {
                lock.lock()
                bodies.append(Data(data[range.upperBound...]))
                if !statuses.isEmpty { status = statuses.removeFirst() }
                lock.unlock()
            }
            let answer = "HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            _ = answer.withCString { write(client, $0, strlen($0)) }
            close(client)
        }
    }
}
