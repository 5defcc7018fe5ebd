#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Pid files as daemons and supervisors use them: one decimal pid and a newline.
public enum PIDFile {
    /// Writes `pid` to `path` atomically (a temporary file in the same directory, then `rename`), so a reader sees
    /// either the old content or the whole new pid, never a torn one.
    public static func write(_ pid: Int32, to path: String) throws {
        let temporary = "\(path).\(getpid()).tmp"
        let data = Data("\(pid)\n".utf8)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw DemoFleetError.pidFile(path: path, reason: "cannot write \(temporary): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DemoFleetError.pidFile(path: path, reason: "cannot rename \(temporary) into place: \(reason)")
        }
    }

    /// The pid in `path`, or nil when the file is missing or does not hold a positive decimal pid.
    public static func read(_ path: String) -> Int32? {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// Removes `path` if it still names `pid`, leaving a file written by a newer process alone.
    public static func remove(_ path: String, ifItNames pid: Int32) {
        if read(path) == pid { unlink(path) }
    }
}
