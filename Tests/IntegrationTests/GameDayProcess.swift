import Foundation
import Testing
import GameDayTestSupport

/// A running `gameday` child process with captured output.
final class GameDayProcess: @unchecked Sendable {
    // Safe: `process` is configured before start and then only queried; pipes are read on their own threads.
    let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private let lock = NSLock()
    private var outData = Data(), errData = Data()
    private var openStreams = 2

    /// `launcher`: a command that execs gameday, e.g. `["/usr/bin/nohup"]` (empty: gameday itself).
    init(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil, stdin: String? = nil,
         launcher: [String] = []) throws {
        #expect(FileManager.default.isExecutableFile(atPath: GameDayExecutable.path), "gameday binary missing at \(GameDayExecutable.path); build with --build-tests")
        let argv = launcher + [GameDayExecutable.path] + arguments
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = outPipe
        process.standardError = errPipe
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        // At end of file the handler would fire forever with empty data: unregister it then.
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            if d.isEmpty { h.readabilityHandler = nil; self?.lock.withLock { self?.openStreams -= 1 } } else { self?.lock.withLock { self?.outData.append(d) } }
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            if d.isEmpty { h.readabilityHandler = nil; self?.lock.withLock { self?.openStreams -= 1 } } else { self?.lock.withLock { self?.errData.append(d) } }
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { lock.withLock { String(decoding: outData, as: UTF8.self) } }
    var stderr: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }

    /// Waits for exit up to `timeout`; kills the process (SIGKILL) if it overstays, and records an issue.
    @discardableResult
    func wait(timeout: Duration = .seconds(120)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            Issue.record("gameday \(process.arguments ?? []) did not exit within \(timeout); killing it. stderr: \(stderr.suffix(2000))")
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        // Let the pipe handlers drain: both reach end of file once every writer (the child and anything it spawned
        // that kept its stdout/stderr) is gone. Bounded, since such a grandchild may outlive the run.
        let drained = ContinuousClock.now + .seconds(5)
        while lock.withLock({ openStreams > 0 }) && ContinuousClock.now < drained { try? await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let p = try GameDayProcess(arguments, environment: environment)
        let status = await p.wait(timeout: timeout)
        return (status, p.stdout, p.stderr)
    }
}

/// A victim process the test starts (and alone kills): `sleep`, with a pid file.
final class Victim {
    let process = Process()
    let pidFile: String

    init(directory: String, name: String = "victim") throws {
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["300"]
        try process.run()
        pidFile = (directory as NSString).appendingPathComponent("\(name).pid")
        try "\(process.processIdentifier)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
    }

    var pid: Int32 { process.processIdentifier }

    /// The process state letter from /proc (T = stopped).
    var state: Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ").first?.first
    }

    func stop() {
        kill(pid, SIGCONT)
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

/// The journal's events as JSON objects (the reader's own tests cover decoding; here we read it independently).
func journalLines(_ runDirectory: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

func runDirectories(_ runsDir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: runsDir)) ?? []).sorted().map { runsDir + "/" + $0 }
}
