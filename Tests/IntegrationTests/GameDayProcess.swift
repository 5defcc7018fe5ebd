import Foundation
import Testing
import GameDayTestSupport

/// A running `gameday` child process with captured output.
///
/// stdout and stderr go to files in a private temporary directory, not to pipes: corelibs Foundation's pipe
/// `readabilityHandler` can miss the end of file on Linux (swift-corelibs-foundation #3275), and a pipe reaches end of
/// file only when every process holding its write end has gone — including unrelated children that other tests,
/// running in parallel in this process, spawned while the pipe was open. Both made a complete output look truncated.
/// A file holds everything the child wrote the moment it has exited, and can be read while it runs.
final class GameDayProcess: @unchecked Sendable {
    // Safe: `process` is configured before start and then only queried; the output files are only read.
    let process = Process()
    private let outputDirectory: String
    private let outPath: String, errPath: String

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
        outputDirectory = try temporaryDirectory("output")
        outPath = outputDirectory + "/stdout"
        errPath = outputDirectory + "/stderr"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil),
              let out = FileHandle(forWritingAtPath: outPath), let err = FileHandle(forWritingAtPath: errPath) else {
            throw TestSupportError("cannot create the output files in \(outputDirectory)")
        }
        // The child has its own copies once started; ours are closed whatever happens.
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let input = Pipe()
            process.standardInput = input
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    deinit { try? FileManager.default.removeItem(atPath: outputDirectory) }

    var pid: Int32 { process.processIdentifier }
    /// Everything written to stdout so far (complete once the process has exited).
    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    /// Everything written to stderr so far.
    var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

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
