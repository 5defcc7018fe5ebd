import CCurl
import Foundation
import GameDayCore
import GameDayPOSIX

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One command check: runs argv directly (posix_spawnp, never a shell) in its own process group, with stdin from
/// /dev/null and bounded capture of stdout and stderr, and is waited on by the probe loop through a pidfd and the
/// pipes, so command checks need no thread of their own.
///
/// Exit status 0 is healthy. At the timeout the whole process group is killed (SIGKILL), so a check that started
/// helpers leaves nothing behind. Confined to the probe thread.
final class CommandProbe {
    let name: String
    let argv: [String]
    let timeout: TimeSpan
    private let outputLimit: Int
    private var child: Child?

    private struct Child {
        var pid: pid_t
        /// -1 when pidfds are unavailable; the loop then polls for exit on a short timer instead.
        var pidfd: Int32
        var stdout: Int32
        var stderr: Int32
        var startedAt: Int64
        var deadline: Int64
        var killedForTimeout = false
        var stdoutBytes: [UInt8] = []
        var stderrBytes: [UInt8] = []
    }

    init(spec: HealthCheckSpec, argv: [String], outputLimit: Int) {
        name = spec.name
        self.argv = argv
        timeout = spec.timeout
        self.outputLimit = max(outputLimit, 1)
    }

    var isRunning: Bool { child != nil }

    /// The deadline of the running child, if any.
    var deadline: Int64? { child.map { $0.killedForTimeout ? Int64.max : $0.deadline } }

    /// Whether the loop must wake on a timer to notice the child's exit (no pidfd).
    var needsExitPolling: Bool { child.map { $0.pidfd < 0 } ?? false }

    /// Descriptors the loop should poll: open output pipes and the pidfd.
    var pollDescriptors: [Int32] {
        guard let child else { return [] }
        return [child.stdout, child.stderr, child.pidfd].filter { $0 >= 0 }
    }

    /// Spawns the command. Returns a failure sample if it could not be started.
    func start(now: Int64) -> ProbeSample? {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard ccurl_pipe_cloexec(&outPipe) == 0 else { return spawnFailure(errno) }
        guard ccurl_pipe_cloexec(&errPipe) == 0 else {
            let code = errno
            Glibc.close(outPipe[0]); Glibc.close(outPipe[1])
            return spawnFailure(code)
        }
        // Only our read ends are non-blocking; the child's write ends must block as usual.
        _ = fcntl(outPipe[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(errPipe[0], F_SETFL, O_NONBLOCK)

        var pid: pid_t = 0
        let result = spawn(&pid, stdout: outPipe[1], stderr: errPipe[1])
        Glibc.close(outPipe[1]); Glibc.close(errPipe[1])
        guard result == 0 else {
            Glibc.close(outPipe[0]); Glibc.close(errPipe[0])
            return spawnFailure(result)
        }
        child = Child(pid: pid, pidfd: ccurl_pidfd_open(pid), stdout: outPipe[0], stderr: errPipe[0],
                      startedAt: now, deadline: now + timeout.milliseconds * 1_000_000)
        return nil
    }

    /// Its own process group, so a timeout can kill everything the check started; default signal dispositions (this
    /// process may ignore SIGPIPE); no descriptor other threads opened without O_CLOEXEC. Returns 0 or an errno.
    private func spawn(_ pid: inout pid_t, stdout: Int32, stderr: Int32) -> Int32 {
        do throws(SpawnError) {
            pid = try Spawn.spawn(argv, Spawn.Options(stdout: .descriptor(stdout), stderr: .descriptor(stderr)))
            return 0
        } catch {
            return error.code
        }
    }

    private func spawnFailure(_ code: Int32) -> ProbeSample {
        let reason = code == ENOENT ? "command not found" : String(cString: strerror(code))
        return ProbeSample(check: name, ok: false, ms: nil, error: "could not run \"\(argv[0])\": \(reason)")
    }

    /// Reads available output, kills the group at the deadline, and reaps the child once it exited.
    /// Returns the sample when the probe is over.
    func service(now: Int64) -> ProbeSample? {
        guard var current = child else { return nil }
        drain(&current.stdout, into: &current.stdoutBytes)
        drain(&current.stderr, into: &current.stderrBytes)
        if !current.killedForTimeout, now >= current.deadline {
            // The child is not reaped yet, so its pid (= process group id) cannot have been reused.
            kill(-current.pid, SIGKILL)
            current.killedForTimeout = true
        }
        var status: Int32 = 0
        let reaped = waitpid(current.pid, &status, WNOHANG)
        guard reaped == current.pid || (reaped == -1 && errno == ECHILD) else {
            child = current
            return nil
        }
        drain(&current.stdout, into: &current.stdoutBytes)
        drain(&current.stderr, into: &current.stderrBytes)
        closeDescriptors(current)
        child = nil
        let elapsed = Double(now - current.startedAt) / 1_000_000
        if current.killedForTimeout {
            return ProbeSample(check: name, ok: false, ms: nil, error: "timed out after \(timeout)")
        }
        if reaped == -1 {
            return ProbeSample(check: name, ok: false, ms: nil,
                               error: "exit status unknown: another part of the program reaped the process")
        }
        let signal = status & 0x7f
        if signal == 0 {
            let code = (status >> 8) & 0xff
            if code == 0 { return ProbeSample(check: name, ok: true, ms: elapsed) }
            let line = firstLine(current.stderrBytes) ?? firstLine(current.stdoutBytes)
            return ProbeSample(check: name, ok: false, ms: elapsed,
                               error: "exit status \(code)" + (line.map { ": \($0)" } ?? ""))
        }
        let signalName = strsignal(signal).map { String(cString: $0) } ?? "signal"
        return ProbeSample(check: name, ok: false, ms: elapsed, error: "killed by signal \(signal) (\(signalName))")
    }

    /// Kills the process group of a running child and reaps it; used when the runner stops.
    func stop() {
        guard let current = child else { return }
        child = nil
        kill(-current.pid, SIGKILL)
        // SIGKILL cannot be caught; the bound only guards against a child stuck in uninterruptible sleep.
        var status: Int32 = 0
        for _ in 0..<400 {
            let reaped = waitpid(current.pid, &status, WNOHANG)
            if reaped == current.pid || reaped == -1 { break }
            usleep(5_000)
        }
        closeDescriptors(current)
    }

    private func drain(_ fd: inout Int32, into bytes: inout [UInt8]) {
        guard fd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Bounded: a chatty child cannot keep the loop here; leftover output is read on the next wake-up.
        for _ in 0..<16 {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                let room = outputLimit - bytes.count
                if room > 0 { bytes.append(contentsOf: buffer.prefix(min(room, count))) }
                continue
            }
            if count == 0 || (errno != EAGAIN && errno != EINTR) {
                Glibc.close(fd)
                fd = -1
            }
            return
        }
    }

    private func closeDescriptors(_ child: Child) {
        for fd in [child.stdout, child.stderr, child.pidfd] where fd >= 0 { Glibc.close(fd) }
    }

    private func firstLine(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline)
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty }) else { return nil }
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
