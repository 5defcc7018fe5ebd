#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import GameDayDemo
import Logging
import Testing

/// Shared helpers for the demo fleet tests: the gameday executable, temporary directories, pids, HTTP and polling.
enum TestSupport {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    /// The built `gameday` executable next to the test runner (`<scratch>/debug/gameday` on Linux), or
    /// `$GAMEDAY_EXECUTABLE` when set.
    static func gamedayExecutable() throws -> String {
        if let override = ProcessInfo.processInfo.environment["GAMEDAY_EXECUTABLE"], !override.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: override) else {
                throw SetupError(description: "GAMEDAY_EXECUTABLE=\(override) is not an executable file")
            }
            return override
        }
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        // The runner sits directly in <scratch>/debug on Linux; walk up a few levels to also cover bundle layouts.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("gameday").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw SetupError(description: """
            the gameday executable was not found next to the test runner \(runner.path); \
            build it first with `swift build --scratch-path <scratch> --build-tests` (or set GAMEDAY_EXECUTABLE)
            """)
    }

    /// A new empty directory under the system's temporary directory.
    static func makeTemporaryDirectory() throws -> String {
        let pattern = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gameday-demo-test-XXXXXX").path
        var template = Array(pattern.utf8CString)
        guard let result = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SetupError(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: result)
    }

    static let logger: Logger = {
        var logger = Logger(label: "gameday.demo.tests") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .notice
        return logger
    }()

    /// True while `pid` names a process (zombies included).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Sends `signal` to `pid`, which the test read from a pid file of a fleet it started.
    static func send(_ signal: Int32, to pid: Int32) {
        #expect(kill(pid, signal) == 0, "kill(\(pid), \(signal)) failed: \(String(cString: strerror(errno)))")
    }

    /// `GET url + path` with a deadline; nil when no response arrived.
    static func get(_ url: String, _ path: String, timeout: Duration = .seconds(5)) async -> DemoHTTPResponse? {
        guard let endpoint = try? DemoEndpoint(url: url) else { return nil }
        return try? await DemoHTTPClient().get(
            host: endpoint.host, port: endpoint.port, path: endpoint.requestPath(path), timeout: timeout)
    }

    /// Evaluates `condition` every `interval` until it holds or `timeout` passed; returns whether it held.
    static func eventually(timeout: Duration, interval: Duration = .milliseconds(100),
                           _ condition: () async throws -> Bool) async rethrows -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            if try await condition() { return true }
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: interval)
        }
    }

    /// A port on 127.0.0.1 that was free a moment ago (bound with port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw SetupError(description: "bind to 127.0.0.1:0 failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits (bounded) for a process started with Foundation's `Process` to exit; returns whether it did.
    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(50)) { !process.isRunning }
    }
}

/// Parent of every suite that runs real fleets, replicas or supervised processes: serialized (recursively) so that
/// they never compete with each other for the two cores while a test waits on health-check timing.
@Suite(.serialized) enum RealProcessTests {}
