import Foundation
import GameDayCore
import GameDayPOSIX
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one client process (the `ssh` client, or a helper such as `ip netns exec`) with a deadline.
///
/// The child (started by `Spawn`) gets its own process group, default signal dispositions, an empty signal mask and
/// no inherited descriptor above 2, so a deadline or a cancelled task kills the whole group (ssh and anything it
/// started, such as a `ProxyCommand`). Output goes to temporary files rather than pipes: a multiplexing `ssh` master
/// that forks into the background may keep inherited descriptors open, and reading a pipe to end-of-file would then
/// wait for the master instead of the command.
public enum RemoteProcess {
    /// The outcome of one run.
    public struct Outcome: Sendable, Equatable {
        public var result: CommandResult
        /// True when the deadline passed (or the task was cancelled) and the process group was killed.
        public var timedOut: Bool
    }

    /// Runs `argv` (looked up on `PATH`) until it exits or `timeout` passes.
    ///
    /// - Parameter scratchDirectory: where the output files are created (and removed); the system temporary
    ///   directory when nil.
    public static func run(_ argv: [String], timeout: TimeSpan, scratchDirectory: String? = nil) async throws -> Outcome {
        guard let executable = argv.first, !executable.isEmpty else {
            throw CommandExecutorError("cannot run an empty command line")
        }
        let directory = scratchDirectory ?? NSTemporaryDirectory()
        let stdoutFile = try TemporaryFile(directory: directory, prefix: "out")
        defer { stdoutFile.remove() }
        let stderrFile = try TemporaryFile(directory: directory, prefix: "err")
        defer { stderrFile.remove() }

        let pid = try spawn(argv, stdout: stdoutFile.descriptor, stderr: stderrFile.descriptor)
        let (status, timedOut) = await waitWithDeadline(pid: pid, timeout: timeout)
        let result = CommandResult(exitCode: status, stdout: stdoutFile.contents(), stderr: stderrFile.contents())
        return Outcome(result: result, timedOut: timedOut)
    }

    /// Stdin from /dev/null, output to the two files; a fresh process group makes the deadline kill reach every
    /// descendant, and default dispositions undo any SIG_IGN the controller set up for its own signal handling.
    private static func spawn(_ argv: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        do throws(SpawnError) {
            return try Spawn.spawn(argv, Spawn.Options(stdout: .descriptor(stdout), stderr: .descriptor(stderr)))
        } catch {
            throw CommandExecutorError("\(error.description); is it installed and on PATH?")
        }
    }

    /// Waits for the child; kills its process group when the deadline passes or the task is cancelled.
    private static func waitWithDeadline(pid: pid_t, timeout: TimeSpan) async -> (Int32, Bool) {
        await withTaskGroup(of: Int32?.self) { group in
            group.addTask { await reap(pid) }
            group.addTask {
                // Cancellation ends the sleep early, which also kills the child: a cancelled run leaves nothing.
                try? await Task.sleep(for: timeout.duration)
                return nil
            }
            var timedOut = false
            var status: Int32 = -1
            while let next = await group.next() {
                if let exit = next {
                    status = exit
                    group.cancelAll()
                } else if status == -1 {
                    timedOut = true
                    kill(-pid, SIGKILL)
                }
            }
            return (status, timedOut)
        }
    }

    /// Blocks a dedicated thread in `waitpid` so that no cooperative-pool thread is held.
    private static func reap(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread {
                var status: Int32 = 0
                var rc: pid_t
                repeat { rc = waitpid(pid, &status, 0) } while rc == -1 && errno == EINTR
                continuation.resume(returning: rc == -1 ? 255 : decode(status))
            }
            thread.start()
        }
    }

    /// Exit code, or 128 + signal number for a child killed by a signal (as shells report it).
    static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}

/// A temporary file that exists only while a command runs.
private struct TemporaryFile {
    let path: String
    let descriptor: Int32

    init(directory: String, prefix: String) throws {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var template = Array((base + "gd-\(prefix)-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CommandExecutorError("cannot create a temporary file in \(directory): \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func contents() -> String {
        lseek(descriptor, 0, SEEK_SET)
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            // Output beyond 4 MiB is useless in a journal and would only cost memory.
            if data.count > 4 << 20 { break }
        }
        return String(decoding: data, as: UTF8.self)
    }

    func remove() {
        close(descriptor)
        unlink(path)
    }
}
