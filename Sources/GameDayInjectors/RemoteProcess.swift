import Foundation
import GameDayCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one client process (the `ssh` client, or a helper such as `ip netns exec`) with a deadline.
///
/// The child gets its own process group, default signal dispositions and an empty signal mask, so a deadline or a
/// cancelled task kills the whole group (ssh and anything it started, such as a `ProxyCommand`). Output goes to
/// temporary files rather than pipes: a multiplexing `ssh` master that forks into the background may keep inherited
/// descriptors open, and reading a pipe to end-of-file would then wait for the master instead of the command.
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

    private static func spawn(_ argv: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A fresh process group makes the deadline kill reach every descendant; default dispositions undo any
        // SIG_IGN the controller set up for its own signal handling (ignored signals survive exec).
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for pointer in cArgs { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ)
        guard rc == 0 else {
            throw CommandExecutorError("cannot start \(argv[0]): \(String(cString: strerror(rc))); is it installed and on PATH?")
        }
        return pid
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
