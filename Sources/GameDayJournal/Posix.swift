import Foundation

/// The text of an errno value, for error messages.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// `close(2)`, named apart from `JournalWriter.close()`.
func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

/// `read(2)`, named apart from `JournalReader.read(url:)`.
func readDescriptor(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// `fsync(2)` on a directory, which makes the entries created in it durable. Best effort: a filesystem that cannot
/// sync directories (some network filesystems) must not stop a run.
func syncDirectory(_ path: String) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    closeDescriptor(fd)
}
