import Foundation

/// A child process a test started (stdout on a pipe, stderr appended to a log file), stopped — SIGTERM, then
/// SIGKILL — by `stop`; only ever its own pid.
///
/// `@unchecked Sendable`: `process` is configured before it starts and afterwards only read (`isRunning`,
/// `processIdentifier`, both thread-safe), signalled and waited on.
public final class ChildProcess: @unchecked Sendable {
    public let process = Process()
    public let stdout = Pipe()
    public let logPath: String

    public init(_ executable: String, _ arguments: [String], log: String, environment: [String: String]? = nil) throws {
        logPath = log
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    /// The first stdout line, within `timeout` seconds.
    public func firstLine(timeout: Double) -> String? {
        let handle = stdout.fileHandleForReading
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = Data()
        let fd = handle.fileDescriptor
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0 {
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    return String(decoding: buffer[..<newline], as: UTF8.self)
                }
            }
        }
        return nil
    }

    /// SIGTERM, then wait up to `grace` seconds, then SIGKILL. Returns the exit status if it exited by itself.
    @discardableResult
    public func stop(grace: Double = 60) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(100_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    /// What it wrote to stderr so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A process's command line, NUL-separated (read with POSIX calls: /proc files report a size of 0).
    public static func commandLine(of pid: Int32) -> String {
        let fd = open("/proc/\(pid)/cmdline", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
}
