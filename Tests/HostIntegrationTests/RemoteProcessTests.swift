import Foundation
import GameDayCore
import GameDayInjectors
import Testing

@Suite struct RemoteProcessTests {
    /// Exit codes, stdout and stderr are captured; a signal death reads as 128 + signal.
    @Test func capturesResults() async throws {
        let ok = try await RemoteProcess.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout: .seconds(20))
        #expect(ok.result == CommandResult(exitCode: 3, stdout: "out\n", stderr: "err\n"))
        #expect(!ok.timedOut)
        let killed = try await RemoteProcess.run(["sh", "-c", "kill -9 $$"], timeout: .seconds(20))
        #expect(killed.result.exitCode == 137)
    }

    /// A descriptor this process opened without close-on-exec (another run's output file, a journal) does not reach
    /// the client: a multiplexing ssh master that forks into the background would otherwise hold it open.
    @Test func closesInheritedDescriptors() async throws {
        let leaked = open(NSTemporaryDirectory(), O_RDONLY)  // deliberately without O_CLOEXEC
        try #require(leaked > 2)
        defer { close(leaked) }
        let outcome = try await RemoteProcess.run(
            ["sh", "-c", "if [ -e /proc/self/fd/\(leaked) ]; then echo open; else echo closed; fi"], timeout: .seconds(20))
        #expect(outcome.result == CommandResult(exitCode: 0, stdout: "closed\n", stderr: ""))
    }

    /// A deadline kills the whole process group, grandchildren included.
    @Test func deadlineKillsTheGroup() async throws {
        let marker = NSTemporaryDirectory() + "gameday-rp-\(getpid())"
        defer { unlink(marker) }
        let outcome = try await RemoteProcess.run(["sh", "-c", "sleep 60 & echo $! > \(marker); wait"], timeout: .milliseconds(500))
        #expect(outcome.timedOut)
        let pid = try #require(Int32((try String(contentsOfFile: marker, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        for _ in 0..<100 where !gone {
            gone = kill(pid, 0) != 0 || Self.isZombie(pid)
            if !gone { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(gone)
    }

    /// A missing program is a clear error, not a crash.
    @Test func missingProgram() async {
        await #expect(throws: CommandExecutorError.self) { _ = try await RemoteProcess.run(["/nonexistent/gameday-x"], timeout: .seconds(5)) }
        await #expect(throws: CommandExecutorError.self) { _ = try await RemoteProcess.run([], timeout: .seconds(5)) }
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }
}
