import Foundation
import Testing
import GameDayTestSupport

/// A `gameday` child process this test started (and alone kills, by pid), output in files of `directory`.
final class GameDayChild: @unchecked Sendable {
    // Safe: `process` is configured before start and afterwards only queried.
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    init(_ arguments: [String], directory: String, environment: [String: String] = [:]) throws {
        #expect(FileManager.default.isExecutableFile(atPath: GameDayExecutable.path), "gameday binary missing at \(GameDayExecutable.path); build with --build-tests")
        stdoutPath = directory + "/child.stdout"
        stderrPath = directory + "/child.stderr"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: GameDayExecutable.path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["GAMEDAY_PROXY_TOKEN"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for exit up to `timeout`, then SIGKILLs it (recording an issue); returns the exit status.
    @discardableResult
    func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            Issue.record("gameday \(process.arguments ?? []) did not exit within \(timeout); killing it. stderr: \(stderr.suffix(2000))")
            kill()
        }
        return process.terminationStatus
    }

    /// SIGKILL (only this child) and reap it; for cleanup when a test fails early.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

/// TCP ports process `pid` listens on, from /proc/PID/fd and /proc/net/tcp{,6} (state 0A = LISTEN).
func listeningPorts(pid: Int32) -> Set<Int> {
    var byInode: [String: Int] = [:]
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        guard let table = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] == "0A" else { continue }
            if let port = fields[1].split(separator: ":").last.flatMap({ Int($0, radix: 16) }) { byInode[String(fields[9])] = port }
        }
    }
    var ports = Set<Int>()
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
    for fd in fds {
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)"),
              target.hasPrefix("socket:["), let port = byInode[String(target.dropFirst(8).dropLast())] else { continue }
        ports.insert(port)
    }
    return ports
}

/// A fresh temporary directory for one test (removed by the caller's `defer`).
func makeTemporaryDirectory(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("gameday-proxytest-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The journal's events of a run directory as JSON objects.
func journalEvents(_ runDirectory: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
