import Foundation
import Testing
import GameDayTestSupport

/// Whether tests that mount a small tmpfs can run: they need root. Not root: skipped with a clear message, unless
/// GAMEDAY_REQUIRE_ROOT_TESTS=1 (CI), where they run and fail at once, so CI never passes by skipping.
enum RootGate {
    static let isRoot = getuid() == 0
    static let enabled = isRoot || ProcessInfo.processInfo.environment["GAMEDAY_REQUIRE_ROOT_TESTS"] == "1"
    static let skipMessage: Comment = "needs root to mount a small tmpfs (mount -t tmpfs); run as root"

    static func requireRoot() throws {
        guard isRoot else {
            Issue.record("GAMEDAY_REQUIRE_ROOT_TESTS=1 but not running as root: the tmpfs tests cannot run")
            throw HostileTestError("not root")
        }
    }
}

struct HostileTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a system tool (mount, umount) to completion; returns its exit status.
@discardableResult
func runTool(_ path: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// A small tmpfs the test mounts (root) on a fresh directory, fills or remounts read-only, and always unmounts.
final class SmallTmpfs {
    let path: String

    init(size: String) throws {
        try RootGate.requireRoot()
        path = try temporaryDirectory("tmpfs")
        guard try runTool("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0755", "gameday-it-tmpfs", path]) == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw HostileTestError("mount -t tmpfs failed on \(path)")
        }
    }

    /// Takes every free byte with one file, written with write(2) until ENOSPC (bounded by the filesystem's size).
    func fill() throws {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HostileTestError("cannot create the filler: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        for _ in 0..<100_000 {
            if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) <= 0 { return }
        }
        throw HostileTestError("the tmpfs never filled")
    }

    func remount(_ options: String) throws {
        guard try runTool("/bin/mount", ["-o", "remount,\(options)", path]) == 0 else { throw HostileTestError("remount \(options) failed") }
    }

    func unmount() {
        if (try? runTool("/bin/umount", [path])) != 0 { _ = try? runTool("/bin/umount", ["-l", path]) }
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A `gameday` child whose stdout and stderr are pipes the test can close (reader gone), unlike `GameDayProcess`,
/// which always reads them.
final class PipedGameDay {
    let process = Process()
    let out = Pipe(), err = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: GameDayExecutable.path)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Only the child may write: drop this process's write ends.
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
    }

    var pid: Int32 { process.processIdentifier }

    /// Closes the read ends: from now on, writes by the child fail with EPIPE (or kill it with SIGPIPE).
    func closeReaders() {
        try? out.fileHandleForReading.close()
        try? err.fileHandleForReading.close()
    }

    /// Exit status, or 128+signal when a signal ended it (like a shell's `$?`); SIGKILLs it after `timeout`.
    func wait(timeout: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            Issue.record("gameday did not exit within \(timeout); killing it")
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// Runs `gameday` to its end with stdout discarded and stderr on /dev/full (every write fails with ENOSPC).
func runToDevFull(_ arguments: [String]) throws -> (process: Process, status: Int32) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: GameDayExecutable.path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let full = try #require(FileHandle(forWritingAtPath: "/dev/full"))
    defer { try? full.close() }
    process.standardError = full
    try process.run()
    process.waitUntilExit()
    return (process, process.terminationStatus)
}

/// `stopPlan` plus a second check that is healthy while `marker` exists: removing the file produces a health
/// transition (a progress line) while the fault is applied.
func stopPlanWithMarker(pidFile: String, marker: String) -> String {
    stopPlan(pidFile: pidFile).replacingOccurrences(of: "hypothesis:", with: """
      - name: marker
        command: [/bin/test, -e, "\(marker)"]
        interval: 200ms
        failuresToUnhealthy: 1
        successesToHealthy: 1
    hypothesis:
    """)
}

func types(_ events: [[String: Any]]) -> [String] { events.compactMap { $0["type"] as? String } }

@Suite(.serialized)
struct HostileExitTests {
    /// SIGHUP (the operator's terminal or ssh session closed) mid-fault reverts everything, journals the signal,
    /// and exits 3 — it used to kill the run (status 129) with the victim left stopped.
    @Test func sighupMidFaultReverts() async throws {
        let dir = try temporaryDirectory("sighup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "the victim was never stopped; stderr: \(run.stderr)")
        kill(run.pid, SIGHUP)
        let status = await run.wait(timeout: .seconds(60))
        #expect(run.process.terminationReason == .exit && status == 3,
                "exit \(status) (\(run.process.terminationReason == .exit ? "exit" : "signal")); stderr: \(run.stderr.suffix(1500))")
        #expect(victim.state != "T", "the victim is still stopped after the run ended")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let events = journalLines(runDir)
        #expect(events.contains { $0["type"] as? String == "signal" && $0["name"] as? String == "SIGHUP" })
        #expect(events.contains { $0["type"] as? String == "revert.end" && $0["ok"] as? Bool == true })
        #expect(events.last?["type"] as? String == "run.end")
        #expect(events.last?["status"] as? String == "interrupted")
    }

    /// `nohup gameday run …` asked to outlive the terminal: SIGHUP stays ignored (the fault stays until its
    /// scheduled revert or another signal), while SIGINT still reverts and exits 3.
    @Test func nohupKeepsRunningOnSighup() async throws {
        let dir = try temporaryDirectory("nohup")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"], launcher: ["/usr/bin/nohup"])
        #expect(await eventually { victim.state == "T" }, "the victim was never stopped; stderr: \(run.stderr)")
        kill(run.pid, SIGHUP)
        // Bounded: the run either ignores SIGHUP (keeps going) or reacts within this time.
        #expect(await eventually(timeout: .seconds(2)) { !run.process.isRunning } == false, "nohup'd run ended on SIGHUP; stderr: \(run.stderr)")
        #expect(victim.state == "T")
        kill(run.pid, SIGINT)
        #expect(await run.wait(timeout: .seconds(60)) == 3, "stderr: \(run.stderr.suffix(1500))")
        #expect(victim.state != "T")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(!journalLines(runDir).contains { $0["type"] as? String == "signal" && $0["name"] as? String == "SIGHUP" })
    }

    /// stdout and stderr become closed pipes mid-fault (the reader went away, like `| head` quitting): the run
    /// notices, reverts everything, journals why, and exits 3 — it used to die of SIGPIPE at its next progress
    /// line (status 141) with the victim left stopped.
    @Test func closedOutputMidFaultReverts() async throws {
        let dir = try temporaryDirectory("epipe")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        let marker = dir + "/healthy"
        FileManager.default.createFile(atPath: marker, contents: nil)
        try stopPlanWithMarker(pidFile: victim.pidFile, marker: marker).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try PipedGameDay(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "the victim was never stopped")
        run.closeReaders()
        // Make the run print a progress line now (a health transition), as a busy run would.
        try FileManager.default.removeItem(atPath: marker)
        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 3, "exit \(status) (141 = killed by SIGPIPE)")
        #expect(victim.state != "T", "the victim is still stopped after the run ended")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let events = journalLines(runDir)
        #expect(events.contains { $0["type"] as? String == "signal" && $0["name"] as? String == "SIGPIPE" })
        #expect(events.contains { $0["type"] as? String == "error" && ($0["message"] as? String ?? "").contains("output went away") })
        #expect(events.contains { $0["type"] as? String == "revert.begin" && $0["reason"] as? String == "signal" })
        #expect(events.contains { $0["type"] as? String == "revert.end" && $0["ok"] as? Bool == true })
        #expect(events.last?["status"] as? String == "interrupted")
        #expect(FileManager.default.fileExists(atPath: runDir + "/postmortem.md"))
    }

    /// stderr on a device that is always full (/dev/full, ENOSPC): diagnostics are dropped without a crash (corelibs'
    /// FileHandle.write used to trap), and a run whose output cannot be written is interrupted before it applies
    /// anything — journaled, exit 3.
    @Test func unwritableStderrNeverCrashes() async throws {
        let dir = try temporaryDirectory("devfull")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 1\nname: bad\nstep: []\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let validate = try runToDevFull(["validate", dir + "/bad.yaml"])
        #expect(validate.process.terminationReason == .exit && validate.status == 2,
                "validate with stderr on /dev/full: \(validate.process.terminationReason == .exit ? "exit" : "killed by signal") \(validate.status)")

        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try runToDevFull(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(run.process.terminationReason == .exit && run.status == 3,
                "run with stderr on /dev/full: \(run.process.terminationReason == .exit ? "exit" : "killed by signal") \(run.status)")
        #expect(victim.state != "T")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let events = journalLines(runDir)
        #expect(!types(events).contains("inject.begin"), "a fault was applied although nobody could see the run")
        #expect(events.contains { $0["type"] as? String == "error" && ($0["message"] as? String ?? "").contains("No space left on device") })
        #expect(events.last?["status"] as? String == "interrupted")
    }

    /// The runs directory's filesystem (a real 1 MiB tmpfs) fills up mid-fault: the fault is still reverted, the
    /// exit code is 3 (never 0, nor 2 "nothing touched"), and stderr says what happened since the postmortem
    /// cannot be written. It used to exit 2 after the postmortem write failed.
    @Test(.enabled(if: RootGate.enabled, RootGate.skipMessage))
    func fullDiskMidFaultRevertsAndSaysSo() async throws {
        let dir = try temporaryDirectory("enospc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tmpfs = try SmallTmpfs(size: "1m")
        defer { tmpfs.unmount() }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", tmpfs.path + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "the victim was never stopped; stderr: \(run.stderr)")
        try tmpfs.fill()
        let status = await run.wait(timeout: .seconds(90))
        #expect(status == 3, "exit \(status); stderr: \(run.stderr.suffix(2000))")
        #expect(victim.state != "T", "the victim is still stopped after the disk filled")
        #expect(run.stderr.contains("the journal stopped accepting writes"), "stderr: \(run.stderr.suffix(2000))")
        #expect(run.stderr.contains("still active: none"))
        #expect(run.stderr.contains("cannot write the postmortem"))
        let runDir = try #require(runDirectories(tmpfs.path + "/runs").first)
        #expect(types(journalLines(runDir)).contains("inject.begin"))
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == runDir)
    }

    /// `gameday recover` on a run whose lock is held by its live `gameday run` skips it and exits 5 (not 0), and
    /// leaves its fault alone; once the run is gone, recover has nothing left to do (exit 0).
    @Test func recoverSkipsALockedRunWithExitFive() async throws {
        let dir = try temporaryDirectory("recover-locked")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "stderr: \(run.stderr)")
        let runDir = try #require(runDirectories(dir + "/runs").first)

        let one = try await GameDayProcess.run(["recover", runDir], timeout: .seconds(30))
        #expect(one.status == 5, "recover RUN_DIR exit \(one.status): \(one.stderr)")
        #expect(one.stderr.contains("skipped"))
        let all = try await GameDayProcess.run(["recover", "--runs-dir", dir + "/runs"], timeout: .seconds(30))
        #expect(all.status == 5, "recover --runs-dir exit \(all.status): \(all.stderr)")
        #expect(victim.state == "T", "recover touched a run that is still in progress")
        #expect(!types(journalLines(runDir)).contains { $0 == "revert.begin" }, "recover journaled into a live run")

        kill(run.pid, SIGINT)
        #expect(await run.wait(timeout: .seconds(60)) == 3)
        let after = try await GameDayProcess.run(["recover", runDir], timeout: .seconds(30))
        #expect(after.status == 0, "exit \(after.status): \(after.stderr)")
    }

    /// A SIGKILLed run's journal lives on a filesystem that became read-only: `gameday recover` still reverts the
    /// fault, says loudly that the journal could not be appended, and exits 4; once writable again, a second
    /// recover closes the journal (exit 0). It used to fail before reverting anything, leaving the victim stopped.
    @Test(.enabled(if: RootGate.enabled, RootGate.skipMessage))
    func recoverRevertsEvenWhenTheJournalIsReadOnly() async throws {
        let dir = try temporaryDirectory("recover-ro")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let tmpfs = try SmallTmpfs(size: "4m")
        defer { tmpfs.unmount() }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", tmpfs.path + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "stderr: \(run.stderr)")
        kill(run.pid, SIGKILL)
        await run.wait(timeout: .seconds(10))
        let runDir = try #require(runDirectories(tmpfs.path + "/runs").first)
        let before = journalLines(runDir).count
        try tmpfs.remount("ro")

        let recover = try await GameDayProcess.run(["recover", runDir], timeout: .seconds(60))
        #expect(recover.status == 4, "exit \(recover.status): \(recover.stderr)")
        #expect(victim.state != "T", "recover did not revert because it could not journal; stderr: \(recover.stderr)")
        #expect(recover.stderr.contains("could not be appended"), "stderr: \(recover.stderr)")
        #expect(journalLines(runDir).count == before)

        try tmpfs.remount("rw")
        let again = try await GameDayProcess.run(["recover", runDir], timeout: .seconds(60))
        #expect(again.status == 0, "exit \(again.status): \(again.stderr)")
        #expect(journalLines(runDir).last?["type"] as? String == "run.end")
    }
}
