#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import GameDayPOSIX

/// Thin wrappers over `Spawn`, `waitpid` and `kill` for the supervisor's own children.
///
/// Children of the supervisor are watched per pid (never `waitpid(-1)`), so other parts of the same process that
/// spawn and reap their own children (swift-subprocess, Foundation) are not disturbed.
enum ChildProcess {
    /// Starts `executable` with `arguments`, stdin from /dev/null and stdout+stderr appended to `logFile`, in its
    /// own process group (so a terminal's Ctrl-C reaches only the supervisor, which then stops children in order),
    /// with default signal dispositions and an empty signal mask whatever the parent had.
    static func spawn(executable: String, arguments: [String], logFile: String) throws -> Int32 {
        // Spawn also closes descriptors the parent opened without close-on-exec (journals, sockets): a child may
        // outlive it.
        let options = Spawn.Options(stdout: .appendFile(logFile), stderr: .sameAsStdout, searchPath: false)
        do throws(SpawnError) {
            return try Spawn.spawn([executable] + arguments, options)
        } catch {
            throw DemoFleetError.spawnFailed(executable: executable, reason: String(cString: strerror(error.code)))
        }
    }

    /// Reports a status change of `pid` without blocking: exit, death by signal, stop, continue, or vanished.
    static func poll(_ pid: Int32) -> ChildStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG | WUNTRACED | WCONTINUED)
        if result == -1, errno == ECHILD { return .vanished }
        guard result == pid else { return nil }
        return ChildStatus(waitStatus: status)
    }

    /// Sends `signal` to `pid`; the caller guarantees `pid` is its own unreaped child.
    @discardableResult
    static func send(_ signal: Int32, to pid: Int32) -> Bool {
        kill(pid, signal) == 0
    }

    /// True when `path` names an executable file.
    static func isExecutable(_ path: String) -> Bool {
        access(path, X_OK) == 0
    }
}
