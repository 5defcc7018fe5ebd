import Foundation
import GameDayCore
import Synchronization

/// Where the CLI writes: results on stdout, diagnostics and progress on stderr.
///
/// Writes go straight to `write(2)` (retrying EINTR and short writes), never through `FileHandle.write`, which
/// traps on EPIPE and ENOSPC in corelibs Foundation. SIGPIPE is ignored (`GameDay.main`), so a stream whose reader
/// went away fails with EPIPE instead of killing the process. After the first failure on a stream, nothing more is
/// written to it, and the handler set with `onOutputLost` is told once: during a run, that handler interrupts the
/// run (revert everything, journal it, exit 3), because nobody can watch a run whose output goes nowhere.
enum Console {
    static let stdout = ConsoleStream(fd: STDOUT_FILENO, name: "stdout")
    static let stderr = ConsoleStream(fd: STDERR_FILENO, name: "stderr")

    static func out(_ line: String) {
        stdout.write(line + "\n")
    }

    static func err(_ line: String) {
        stderr.write(line + "\n")
    }

    /// Raw text on stdout (no newline added), e.g. a rendered postmortem.
    static func raw(_ text: String) {
        stdout.write(text)
    }

    static func diagnostics(_ list: [Diagnostic]) {
        for d in list { err(d.description) }
    }

    private static let lostHandler = Mutex<(@Sendable (String) -> Void)?>(nil)

    /// Sets (or clears, with nil) what happens when stdout or stderr stops accepting output. The handler gets a
    /// sentence such as "stderr: Broken pipe"; it is called once per stream, outside any lock.
    static func onOutputLost(_ handler: (@Sendable (String) -> Void)?) {
        lostHandler.withLock { $0 = handler }
    }

    /// A stream failed (a write error or, see `OutputWatcher`, its reader went away).
    static func outputLost(_ why: String) {
        let handler = lostHandler.withLock { $0 }
        handler?(why)
    }

    /// Makes sure descriptors 0, 1 and 2 are open (on /dev/null if they were closed by whoever started us), so a
    /// file this process opens later (a journal!) can never land on descriptor 1 and receive progress lines.
    static func ensureStandardDescriptors() {
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            let null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd { dup2(null, fd); close(null) }
        }
    }
}

/// One of the process's standard output streams, written with `write(2)`.
final class ConsoleStream: Sendable {
    let fd: Int32
    let name: String
    /// Why the stream failed, once it has; the lock also keeps lines from different tasks whole.
    private let failure = Mutex<String?>(nil)

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// Whether a write to this stream has failed (or its reader is known to be gone).
    var hasFailed: Bool { failure.withLock { $0 != nil } }

    /// Writes all of `text`, or stops at the first error; after that, writes are dropped.
    func write(_ text: String) {
        let error: String? = failure.withLock { failure in
            guard failure == nil else { return nil }
            guard let problem = Self.writeAll(fd: fd, bytes: Array(text.utf8)) else { return nil }
            failure = problem
            return problem
        }
        if let error { Console.outputLost("\(name): \(error)") }
    }

    /// Marks the stream failed without writing (its reader went away); reports it like a failed write.
    func markLost(_ why: String) {
        let first: Bool = failure.withLock { failure in
            guard failure == nil else { return false }
            failure = why
            return true
        }
        if first { Console.outputLost("\(name): \(why)") }
    }

    /// Returns nil when everything was written, else what went wrong. EINTR and short writes are retried; a
    /// non-blocking descriptor that is full (EAGAIN) is waited on for at most 10 s in all.
    private static func writeAll(fd: Int32, bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            guard var base = raw.baseAddress else { return nil }
            var remaining = raw.count
            var interrupted = 0
            var waitedMs: Int32 = 0
            while remaining > 0 {
                let n = Glibc.write(fd, base, remaining)
                if n > 0 {
                    remaining -= n
                    base += n
                    continue
                }
                let code = n < 0 ? errno : EIO
                if code == EINTR && interrupted < 1000 { interrupted += 1; continue }
                if code == EAGAIN && waitedMs < 10_000 {
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pfd, 1, 100)
                    waitedMs += 100
                    continue
                }
                return String(cString: strerror(code))
            }
            return nil
        }
    }
}

/// Notices at once when the reader of stdout or stderr goes away (a pipe's read end closed: `| head` quit, a log
/// collector died), instead of at the next progress line, which may be minutes away while a fault is applied.
///
/// A thread blocks in `poll(2)` asking for no events: only POLLERR (a pipe with no reader) and POLLHUP (a hung-up
/// terminal or socket) wake it. Regular files and /dev/null never do. Stopped by writing to a wake-up pipe.
final class OutputWatcher: Sendable {
    private let wakeWrite: Int32

    init?() {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakeWrite = fds[1]
        let wakeFD = fds[0]
        let thread = Thread {
            defer { close(wakeFD) }
            var watched = [Console.stdout, Console.stderr]
            while !watched.isEmpty {
                var pfds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
                    + watched.map { pollfd(fd: $0.fd, events: 0, revents: 0) }
                let n = poll(&pfds, nfds_t(pfds.count), -1)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                if pfds[0].revents != 0 { return }
                var still: [ConsoleStream] = []
                for (stream, pfd) in zip(watched, pfds.dropFirst()) {
                    if pfd.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 {
                        stream.markLost(pfd.revents & Int16(POLLERR) != 0 ? "its reader went away (the pipe is closed)" : "hung up")
                    } else {
                        still.append(stream)
                    }
                }
                watched = still
            }
        }
        thread.start()
    }

    /// Stops the watching thread (it exits at its next wake-up, which this causes at once).
    func stop() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    deinit {
        // The thread closes the read end itself when it exits, so poll(2) never sees a descriptor closed under it.
        close(wakeWrite)
    }
}

/// Exit codes of the CLI contract (DESIGN.md).
enum ExitCodes {
    static let held: Int32 = 0
    static let violated: Int32 = 1
    static let invalid: Int32 = 2
    static let aborted: Int32 = 3
    static let revertFailed: Int32 = 4
    /// `gameday recover` skipped a run because another gameday process holds its lock.
    static let skippedLocked: Int32 = 5
}
