import Foundation
import GameDayCore

/// Reads this machine's process table from /proc.
public enum ProcessTable {
    /// The start time of a process (clock ticks since boot, field 22 of /proc/PID/stat), nil if it does not exist.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The process state letter (R, S, T for stopped, Z for zombie ...), nil if it does not exist.
    public static func state(of pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    /// The parent of a process, nil if it does not exist.
    public static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// The command line of a process with arguments joined by spaces.
    public static func commandLine(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
            .trimmingCharacters(in: .whitespaces)
    }

    /// Processes whose command line matches the regular expression (like `pgrep -f`), excluding this process and
    /// its ancestors, so that a pattern can never make gameday kill itself or the shell that started it.
    public static func matching(pattern: String) throws -> [Int32] {
        let regex = try NSRegularExpression(pattern: pattern)
        var excluded: Set<Int32> = []
        var pid: Int32? = getpid()
        for _ in 0..<64 {
            guard let p = pid, p > 0 else { break }
            excluded.insert(p)
            pid = parent(of: p)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var out: [Int32] = []
        for entry in entries {
            guard let pid = Int32(entry), !excluded.contains(pid), let line = commandLine(of: pid) else { continue }
            if regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil { out.append(pid) }
        }
        return out.sorted()
    }

    /// Reads a pid file: one decimal pid, surrounding whitespace ignored.
    public static func readPidFile(_ path: String) throws -> Int32 {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InjectorError("pid file \(path) cannot be read (is the service running?)")
        }
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 else {
            throw InjectorError("pid file \(path) does not hold a valid pid: \(text.prefix(40).debugDescription)")
        }
        return pid
    }
}

/// A fault could not be prepared, applied or reverted.
public struct InjectorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
