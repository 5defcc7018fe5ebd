import Foundation
import GameDayCore
import Synchronization

/// Appends events to a run's `journal.jsonl`, one JSON object per line.
///
/// Each event is written with a single `write(2)` on a file opened with `O_APPEND`, so a crash leaves at most one
/// partial line at the end (which `JournalReader` tolerates). With `sync: true` the call returns only after `fsync`,
/// which is how the runner keeps invariant 1 (write-ahead): a fault's `inject.begin` is on disk before it is applied.
///
/// Encoding is deterministic: keys are sorted (also inside nested dictionaries), no pretty printing, no `\/`.
/// The writer is safe to share between tasks; a mutex serialises appends.
public final class JournalWriter: Sendable {
    private struct State {
        var fd: Int32
        let encoder: JSONEncoder
    }

    public let url: URL
    private let state: Mutex<State>

    /// Opens (creating it if needed) the journal at `url` for appending.
    ///
    /// If the file ends in a partial line (a crash mid-write), a newline is appended first so that the torn line
    /// stays one line of its own and the next event is not glued to it.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let existed = access(path, F_OK) == 0
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError.cannotOpen(path: path, reason: errnoText(errno)) }
        do {
            try Self.terminateTornLine(fd: fd, path: path)
        } catch {
            closeDescriptor(fd)
            throw error
        }
        if !existed {
            // A new file's directory entry is only durable once its directory is synced.
            syncDirectory(url.deletingLastPathComponent().path)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        state = Mutex(State(fd: fd, encoder: encoder))
    }

    deinit {
        state.withLock { state in
            if state.fd >= 0 { closeDescriptor(state.fd); state.fd = -1 }
        }
    }

    /// Appends one event as one line. With `sync`, returns only once the line is on disk (`fsync`).
    public func append(_ event: JournalEvent, sync: Bool) throws {
        try state.withLock { state in
            guard state.fd >= 0 else { throw JournalError.closed(path: url.path) }
            var line = try state.encoder.encode(event)
            line.append(0x0A)
            try Self.writeAll(fd: state.fd, data: line, path: url.path)
            if sync {
                guard fsync(state.fd) == 0 else { throw JournalError.syncFailed(path: url.path, reason: errnoText(errno)) }
            }
        }
    }

    /// Flushes to disk and closes the file; later appends throw `JournalError.closed`. Closing twice is harmless.
    public func close() {
        state.withLock { state in
            guard state.fd >= 0 else { return }
            _ = fsync(state.fd)
            closeDescriptor(state.fd)
            state.fd = -1
        }
    }

    /// One `write(2)` for the whole line; the loop only continues after a short write or EINTR, which regular
    /// files produce only when the disk is full or a signal lands mid-call.
    private static func writeAll(fd: Int32, data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard var base = raw.baseAddress else { return }
            var remaining = raw.count
            var attempts = 0
            while remaining > 0 {
                let n = write(fd, base, remaining)
                if n < 0 {
                    let code = errno
                    attempts += 1
                    if code == EINTR && attempts < 100 { continue }
                    throw JournalError.writeFailed(path: path, reason: errnoText(code))
                }
                if n == 0 { throw JournalError.writeFailed(path: path, reason: "no bytes written") }
                remaining -= n
                base += n
            }
        }
    }

    private static func terminateTornLine(fd: Int32, path: String) throws {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw JournalError.cannotOpen(path: path, reason: errnoText(errno)) }
        guard info.st_size > 0 else { return }
        var last: UInt8 = 0
        guard pread(fd, &last, 1, off_t(info.st_size - 1)) == 1 else {
            throw JournalError.cannotOpen(path: path, reason: errnoText(errno))
        }
        if last != 0x0A {
            try writeAll(fd: fd, data: Data([0x0A]), path: path)
            guard fsync(fd) == 0 else { throw JournalError.syncFailed(path: path, reason: errnoText(errno)) }
        }
    }
}
