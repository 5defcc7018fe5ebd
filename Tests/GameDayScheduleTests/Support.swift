import Foundation
import GameDayCore
@testable import GameDaySchedule
import GameDayCalendar

/// Small helpers shared by the scheduler's tests.
enum Fixture {
    static func day(_ text: String) -> CivilDate {
        guard let date = CivilDate(parsing: text) else { preconditionFailure("bad test date \(text)") }
        return date
    }

    static func utc(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let date = formatter.date(from: text) else { preconditionFailure("bad test instant \(text)") }
        return date
    }

    static func time(_ text: String) -> TimeOfDay {
        guard let time = TimeOfDay(parsing: text) else { preconditionFailure("bad test time \(text)") }
        return time
    }

    static func zone(_ name: String) -> TimeZone {
        guard let zone = TimeZone(identifier: name) else { preconditionFailure("unknown zone \(name)") }
        return zone
    }

    static func calendar(_ zone: String = "Europe/Berlin", workdays: Set<Weekday> = [.mon, .tue, .wed, .thu, .fri],
                         hours: (String, String) = ("09:00", "15:00"), holidays: [String] = [],
                         blackouts: [Blackout] = []) -> BusinessCalendar {
        BusinessCalendar(timeZone: self.zone(zone), workdays: workdays,
                         hours: BusinessHours(start: time(hours.0), end: time(hours.1)),
                         holidays: Set(holidays.map(day)), blackouts: blackouts)
    }

    /// A fresh temporary folder, removed by `cleanup`.
    static func temporaryFolder() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-schedule-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func cleanup(_ url: URL) { try? FileManager.default.removeItem(at: url) }

    /// Writes a journal of real events, encoded as `gameday run` writes them.
    @discardableResult
    static func writeJournal(runsDir: String, runName: String = "20270315-100000-test", bodies: [EventBody]) throws -> String {
        let dir = URL(fileURLWithPath: runsDir).appendingPathComponent(runName)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        var data = Data()
        for (index, body) in bodies.enumerated() {
            data.append(try encoder.encode(JournalEvent(seq: index + 1, t: Int64(index * 100), wall: 0, body: body)))
            data.append(UInt8(ascii: "\n"))
        }
        try data.write(to: dir.appendingPathComponent("journal.jsonl"))
        return dir.path
    }

    /// The `inject.begin` of a command fault on `target` (its revert removes a file).
    static func injectBegin(_ faultID: String, target: String = "web-1") -> EventBody {
        .injectBegin(InjectBegin(faultID: faultID, step: "s", stepIndex: 0, fault: "command", target: target,
                                 description: "touch a file", recipe: .command(CommandRevert(argv: ["rm", "-f", "/nonexistent/gameday-test"]))))
    }

    /// Writes a journal with the given event lines (JSON objects without seq/t/wall).
    static func writeJournal(runsDir: String, runName: String = "20270315-100000-test", events: [String]) throws -> String {
        let dir = URL(fileURLWithPath: runsDir).appendingPathComponent(runName)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var lines: [String] = []
        for (index, event) in events.enumerated() {
            let body = event.dropFirst()  // drop "{"
            lines.append("{\"seq\":\(index + 1),\"t\":\(index * 100),\"wall\":0,\(body)")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("journal.jsonl"), atomically: true, encoding: .utf8)
        return dir.path
    }
}

/// A minimal HTTP/1.1 server on 127.0.0.1 (ephemeral port) for webhook tests: records each request body and answers
/// with the next status from `statuses` (then 200). One connection at a time, closed after each answer.
final class HookServer: @unchecked Sendable {
    // @unchecked: `bodies` and `statuses` are only touched under `lock`; the socket is closed once in `stop`.
    private let lock = NSLock()
    private var bodies: [Data] = []
    private var statuses: [Int]
    private let socketFD: Int32
    let port: Int
    private var thread: Thread?

    init(statuses: [Int] = []) throws {
        self.statuses = statuses
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw ScheduleRunError(message: "cannot listen") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socketFD = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve() }
        self.thread = thread
        thread.start()
    }

    var received: [Data] { lock.lock(); defer { lock.unlock() }; return bodies }

    func stop() { shutdown(socketFD, Int32(SHUT_RDWR)); close(socketFD) }

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
