import Foundation

/// One scheduler daemon per state file: an exclusive `flock` on `<state>.lock`, taken before restart recovery and
/// held for the daemon's life. The kernel drops it when the daemon dies, however it dies, so a stale lock cannot
/// block a restart. The holder writes its pid into the file so a refused daemon can name it.
public final class DaemonLock: Sendable {
    private let fd: Int32
    /// The lock file.
    public let path: String

    /// The lock file that guards `statePath`.
    public static func lockPath(forState statePath: String) -> String { statePath + ".lock" }

    /// Takes the lock, or throws naming the daemon that holds it.
    public init(statePath: String) throws {
        path = Self.lockPath(forState: statePath)
        // O_CLOEXEC: the runs this daemon spawns must not inherit the lock (a run outliving a killed daemon would
        // otherwise keep the next daemon out).
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw DaemonLockError(message: "cannot open the scheduler lock \(path): \(String(cString: strerror(errno))); check the state file's folder and permissions")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.readPid(fd: fd)
            close(fd)
            if reason == EWOULDBLOCK {
                let who = holder.map { "another scheduler daemon (pid \($0))" } ?? "another scheduler daemon"
                throw DaemonLockError(message: "\(who) already runs on the state file \(statePath) (it holds \(path)); one daemon per state file: stop it first, or give this one its own `state:`")
            }
            throw DaemonLockError(message: "cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        self.fd = fd
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// Releases the lock (also released when the process exits).
    public func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func readPid(fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// The scheduler lock could not be taken.
public struct DaemonLockError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
