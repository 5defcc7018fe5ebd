import Foundation
import GameDayCore
import GameDayInjectors
import Testing

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

    /// Polls (bounded) until the condition holds.
    static func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < end {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    /// A lease fires at duration + grace, rounded up to whole seconds.
    @Test func leaseLength() {
        #expect(Lease(name: "x", duration: .seconds(10), grace: .milliseconds(2500)).seconds == 13)
        #expect(Lease(name: "x", duration: .zero, grace: .zero).seconds == 1)
    }

    /// The lease is installed before the fault, and cancelled before the revert runs.
    @Test func ordering() throws {
        let lease = Lease(name: "gameday-r-0-s-h1", seconds: 30, mode: .automatic)
        let apply = try #require(LeaseCommands.apply(Self.commands(marker: "/m"), lease: lease).last)
        let install = try #require(apply.range(of: "systemd-run"))
        let inject = try #require(apply.range(of: "( touch /m"))
        #expect(install.lowerBound < inject.lowerBound)
        #expect(apply.contains("--on-active=30s"))
        let revert = try #require(LeaseCommands.revert(Self.commands(marker: "/m"), lease: lease)?.last)
        let cancel = try #require(revert.range(of: "systemctl stop gameday-r-0-s-h1.timer"))
        let undo = try #require(revert.range(of: "rm -f /m"))
        #expect(cancel.lowerBound < undo.lowerBound)
    }

    /// Without a revert there is no lease and no revert command.
    @Test func nothingToRevertMeansNoLease() {
        let kill = RemoteFaultCommands(summary: "kill", inject: "kill -s KILL 1234", revert: nil, nothingToRevertReason: "supervised")
        #expect(LeaseCommands.apply(kill, lease: Lease(name: "x", seconds: 5)) == ["sh", "-c", "kill -s KILL 1234"])
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
        #expect(try await Self.eventually(within: 20) { !FileManager.default.fileExists(atPath: marker) })
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
        #expect(try await Self.eventually(within: 10) { kill(pid, 0) != 0 || Self.isZombie(pid) })
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
        #expect(try await Self.eventually(within: 10) { (try? ProcessTable.matching(pattern: lease.name))?.isEmpty ?? false },
                "a lease watchdog survived the failed inject")
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
