#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import GameDayDemo
import Logging
import Testing
import GameDayTestSupport

/// Shared helpers for the demo fleet tests: the gameday executable, temporary directories, pids, HTTP and polling.
enum TestSupport {
    struct SetupError: Error, CustomStringConvertible {
        var description: String
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

    /// Waits (bounded) for a process started with Foundation's `Process` to exit; returns whether it did.
    static func waitForExit(_ process: Process, timeout: Duration) async -> Bool {
        await eventually(timeout: timeout) { !process.isRunning }
    }
}

/// Parent of every suite that runs real fleets, replicas or supervised processes: serialized (recursively) so that
/// they never compete with each other for the two cores while a test waits on health-check timing.
@Suite(.serialized) enum RealProcessTests {}
