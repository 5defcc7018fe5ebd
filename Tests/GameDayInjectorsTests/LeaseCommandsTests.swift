import Foundation
import Synchronization
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing
import GameDayTestSupport

@Suite struct LeaseCommandsTests {
    static func marker() -> String {
        NSTemporaryDirectory() + "gameday-lease-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func commands(marker: String) -> RemoteFaultCommands {
        RemoteFaultCommands(summary: "touch a marker",
                            inject: ShellQuote.join(["touch", marker]),
                            revert: ShellQuote.join(["rm", "-f", marker]))
    }

    static func run(_ argv: [String]) async throws -> CommandResult {
        try await RemoteProcess.run(argv, timeout: .seconds(30)).result
    }

    /// A lease fires at duration + grace, rounded up to whole seconds.
    @Test func leaseLength() {
        #expect(Lease(name: "x", duration: .seconds(10), grace: .milliseconds(2500)).seconds == 13)
        #expect(Lease(name: "x", duration: .zero, grace: .zero).seconds == 1)
    }

    /// The lease is installed before the fault, and cancelled only after the revert ran (and succeeded); both
    /// scripts are bounded on the host and take the fault's lock.
    @Test func ordering() throws {
        let lease = Lease(name: "gameday-r-0-s-h1", seconds: 30, mode: .automatic)
        let apply = try #require(LeaseCommands.apply(Self.commands(marker: "/m"), lease: lease).last)
        let install = try #require(apply.range(of: "systemd-run"))
        let inject = try #require(apply.range(of: "( touch /m"))
        #expect(install.lowerBound < inject.lowerBound)
        #expect(apply.contains("--on-active=30s"))
        #expect(apply.contains("exec timeout -k 1 28 flock -o -w 28 -E 75 \"$d\"/gameday-r-0-s-h1.lock sh -c"))
        let revert = try #require(LeaseCommands.revert(Self.commands(marker: "/m"), lease: lease)?.last)
        let cancel = try #require(revert.range(of: "systemctl stop -- gameday-r-0-s-h1.timer"))
        let undo = try #require(revert.range(of: "rm -f /m"))
        #expect(undo.lowerBound < cancel.lowerBound)
        #expect(revert.contains("timeout -k 1 28 flock -o -w 28 -E 75 \"$d\"/gameday-r-0-s-h1.lock"))
    }

    /// Without a revert there is no lease and no revert command; the inject is still bounded on the host.
    @Test func nothingToRevertMeansNoLease() {
        let kill = RemoteFaultCommands(summary: "kill", inject: "kill -s KILL 1234", revert: nil, nothingToRevertReason: "supervised")
        let apply = LeaseCommands.apply(kill, lease: Lease(name: "x", seconds: 5))
        #expect(apply[0...1] == ["sh", "-c"])
        #expect(apply[2].hasSuffix("exec timeout -k 1 28 sh -c 'kill -s KILL 1234' gameday-inject"))
        #expect(!apply[2].contains("lease"))
        #expect(LeaseCommands.revert(kill, lease: Lease(name: "x", seconds: 5)) == nil)
    }

    /// With nobody to revert it, the watchdog reverts the fault by itself at its deadline (a real detached process).
    @Test func watchdogRevertsByItself() async throws {
        let marker = Self.marker()
        defer { unlink(marker) }
        let lease = Lease(name: "gameday-test-\(getpid())-fires", seconds: 1, mode: .watchdog)
        let applied = try await Self.run(LeaseCommands.apply(Self.commands(marker: marker), lease: lease))
        #expect(applied.exitCode == 0, "\(applied.stderr)")
        #expect(applied.stdout.contains("lease: watchdog pid"))
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(await eventually(timeout: .seconds(20)) { !FileManager.default.fileExists(atPath: marker) })
        // Reverting after the lease fired is still fine.
        let reverted = try await Self.run(try #require(LeaseCommands.revert(Self.commands(marker: marker), lease: lease)))
        #expect(reverted.exitCode == 0)
    }

    /// A normal revert cancels the watchdog: its process group is gone and it never runs the revert later.
    @Test func revertCancelsWatchdog() async throws {
        let marker = Self.marker()
        defer { unlink(marker) }
        let lease = Lease(name: "gameday-test-\(getpid())-cancel", seconds: 600, mode: .watchdog)
        let applied = try await Self.run(LeaseCommands.apply(Self.commands(marker: marker), lease: lease))
        #expect(applied.exitCode == 0, "\(applied.stderr)")
        let line = try #require(applied.stdout.split(separator: "\n").first { $0.hasPrefix("lease: watchdog pid") })
        let pid = try #require(Int32(line.split(separator: " ")[3]))
        #expect(kill(pid, 0) == 0)
        let reverted = try await Self.run(try #require(LeaseCommands.revert(Self.commands(marker: marker), lease: lease)))
        #expect(reverted.exitCode == 0, "\(reverted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(await eventually(timeout: .seconds(10)) { kill(pid, 0) != 0 || Self.isZombie(pid) })
    }

    /// A failed inject cancels its lease and reverts at once, and reports the inject's exit code.
    @Test func failedInjectCleansUp() async throws {
        let marker = Self.marker()
        defer { unlink(marker) }
        let lease = Lease(name: "gameday-test-\(getpid())-fails", seconds: 600, mode: .watchdog)
        let failing = RemoteFaultCommands(summary: "fails", inject: ShellQuote.join(["touch", marker]) + "; exit 3",
                                          revert: ShellQuote.join(["rm", "-f", marker]))
        let applied = try await Self.run(LeaseCommands.apply(failing, lease: lease))
        #expect(applied.exitCode == 3)
        #expect(!FileManager.default.fileExists(atPath: marker))
        // The cancelled watchdog must not survive (it would sleep out its 600 s and revert again later).
        #expect(await eventually(timeout: .seconds(10)) { (try? ProcessTable.matching(pattern: lease.name))?.isEmpty ?? false },
                "a lease watchdog survived the failed inject")
    }

    /// A revert that fails on the host (rmdir of a directory that is not empty) leaves the lease armed, and the
    /// lease reverts the fault at its deadline once the revert can succeed.
    @Test func failedRevertKeepsLease() async throws {
        let directory = Self.marker()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lease = Lease(name: "gameday-test-\(getpid())-keep", seconds: 5, mode: .watchdog)
        let commands = RemoteFaultCommands(summary: "make a directory", inject: ShellQuote.join(["mkdir", directory]),
                                           revert: "if [ -d \(ShellQuote.quote(directory)) ]; then rmdir \(ShellQuote.quote(directory)); fi")
        let applied = try await Self.run(LeaseCommands.apply(commands, lease: lease))
        #expect(applied.exitCode == 0, "\(applied.stderr)")
        let line = try #require(applied.stdout.split(separator: "\n").first { $0.hasPrefix("lease: watchdog pid") })
        let pid = try #require(Int32(line.split(separator: " ")[3]))
        // Something on the host keeps the revert from working: rmdir fails for real.
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/busy"))
        let reverted = try await Self.run(try #require(LeaseCommands.revert(commands, lease: lease)))
        #expect(reverted.exitCode != 0, "the revert succeeded although rmdir cannot")
        #expect(kill(pid, 0) == 0 && !Self.isZombie(pid), "the failed revert cancelled the lease")
        // Once the obstacle is gone, the lease (still armed) reverts by itself.
        unlink(directory + "/busy")
        #expect(await eventually(timeout: .seconds(20)) { !FileManager.default.fileExists(atPath: directory) },
                "the lease did not revert the fault")
    }

    /// A revert that arrives while the inject is still running on the host waits for it (per-fault lock), then
    /// removes what the inject applied: nothing is left applied after both finished.
    @Test func revertWaitsForRunningInject() async throws {
        let marker = Self.marker()
        let hold = marker + ".hold"
        let started = marker + ".started"
        defer { unlink(marker); unlink(hold); unlink(started) }
        FileManager.default.createFile(atPath: hold, contents: nil)
        let lease = Lease(name: "gameday-test-\(getpid())-serial", seconds: 600, mode: .watchdog)
        // The inject hangs (bounded: 20 s) while `hold` exists, like a tool waiting for a lock, then applies.
        let commands = RemoteFaultCommands(
            summary: "slow inject",
            inject: "touch \(ShellQuote.quote(started)); n=0; while [ -e \(ShellQuote.quote(hold)) ] && [ \"$n\" -lt 400 ]; do sleep 0.05; n=$((n+1)); done; touch \(ShellQuote.quote(marker))",
            revert: ShellQuote.join(["rm", "-f", marker]))
        let apply = Task { try await Self.run(LeaseCommands.apply(commands, lease: lease)) }
        #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: started) })
        let revertArgv = try #require(LeaseCommands.revert(commands, lease: lease))
        let revert = Task { try await Self.run(revertArgv) }
        let done = ManagedFlag()
        let watcher = Task { _ = try? await revert.value; done.set() }
        // A revert that does not wait finishes at once; one that waits is still blocked after this.
        _ = await eventually(timeout: .seconds(2)) { done.value }
        unlink(hold)
        let applied = try await apply.value
        let reverted = try await revert.value
        _ = await watcher.value
        #expect(applied.exitCode == 0, "\(applied.stderr)")
        #expect(reverted.exitCode == 0, "\(reverted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the inject applied after the revert: a fault is left behind")
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    /// Every lease mode yields scripts a POSIX shell can parse.
    @Test(arguments: LeaseMode.allCases)
    func scriptsParse(mode: LeaseMode) async throws {
        let lease = Lease(name: "gameday-a-1-b-c", seconds: 42, mode: mode)
        for argv in [LeaseCommands.apply(Self.commands(marker: "/x y"), lease: lease),
                     try #require(LeaseCommands.revert(Self.commands(marker: "/x y"), lease: lease))] {
            #expect(try await Self.run(["sh", "-n", "-c", argv[2]]).exitCode == 0)
        }
    }
}

/// A flag set by one task and read by another.
final class ManagedFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}
