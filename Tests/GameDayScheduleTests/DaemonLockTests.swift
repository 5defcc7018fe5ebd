import Foundation
import Testing
@testable import GameDaySchedule

@Suite struct DaemonLockTests {
    /// While one holder has the lock a second is refused with an error naming the holder's pid; once released,
    /// the lock can be taken again.
    @Test func secondHolderIsRefusedWithThePid() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let state = folder.appendingPathComponent("state.sqlite").path
        let first = try DaemonLock(statePath: state)
        #expect(first.path == state + ".lock")
        #expect(try String(contentsOfFile: first.path, encoding: .utf8) == "\(getpid())\n")
        do {
            _ = try DaemonLock(statePath: state)
            Issue.record("a second lock on the same state file was granted")
        } catch let error as DaemonLockError {
            #expect(error.message.contains("pid \(getpid())"), "\(error.message)")
            #expect(error.message.contains(state))
        }
        first.release()
        let again = try DaemonLock(statePath: state)
        again.release()
    }

    /// The lock file is close-on-exec: a process the daemon spawns (a run) never holds the daemon's lock.
    @Test func childrenDoNotInheritTheLock() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let state = folder.appendingPathComponent("state.sqlite").path
        let lock = try DaemonLock(statePath: state)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        // Exits 0 only if no descriptor it inherited points at the lock file.
        child.arguments = ["-c", "for f in /proc/self/fd/*; do [ \"$(readlink \"$f\")\" = \"$1\" ] && exit 1; done; exit 0", "sh", lock.path]
        try child.run()
        child.waitUntilExit()
        lock.release()
        #expect(child.terminationStatus == 0)
    }
}
