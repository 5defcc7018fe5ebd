import Foundation
import GameDayCore
import GameDayInjectors
import Testing

/// The pool's lifecycle, without a host.
@Suite struct SSHExecutorPoolTests {
    /// One executor per host and access; the control directory is short and private; close is idempotent,
    /// removes the directory, and a closed pool refuses new executors.
    @Test func lifecycle() async throws {
        let pool = try SSHExecutorPool()
        let directory = pool.controlDirectory
        #expect(directory.hasPrefix("/tmp/gdssh-\(getpid())-"))
        #expect(directory.utf8.count + 1 + 40 + 17 < 107, "control socket paths must fit in sun_path")
        let a = try await pool.executor(host: "10.0.0.1", access: SSHAccess(port: 22))
        let b = try await pool.executor(host: "10.0.0.1", access: SSHAccess(port: 22))
        let c = try await pool.executor(host: "10.0.0.1", access: SSHAccess(port: 2222))
        #expect(a.builder == b.builder)
        #expect(a.builder != c.builder)
        await #expect(throws: CommandExecutorError.self) { _ = try await pool.executor(for: Target(name: "local")) }
        await pool.close()
        await pool.close()
        #expect(!FileManager.default.fileExists(atPath: directory))
        await #expect(throws: CommandExecutorError.self) { _ = try await pool.executor(host: "10.0.0.1", access: SSHAccess()) }
    }

    /// A control directory left by a controller that died (its pid is gone) is removed by the next pool; a live
    /// process's directory is kept.
    @Test func staleDirectoriesAreSwept() async throws {
        let finished = try await RemoteProcess.run(["sh", "-c", "echo $$"], timeout: .seconds(10))
        let deadPID = try #require(Int32(finished.result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(deadPID, 0) == -1)
        let stale = "/tmp/gdssh-\(deadPID)-test\(UInt16.random(in: 0...UInt16.max))"
        let live = "/tmp/gdssh-\(getpid())-test\(UInt16.random(in: 0...UInt16.max))"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: false)
        defer {
            try? FileManager.default.removeItem(atPath: stale)
            try? FileManager.default.removeItem(atPath: live)
        }
        let pool = try SSHExecutorPool()
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        await pool.close()
    }
}
