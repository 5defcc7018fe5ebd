import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing
import GameDayTestSupport

/// disk-fill for real: each case runs as root in its own mount namespace (`unshare --mount`) on a private 16 MiB
/// tmpfs, so no real file system is touched; the namespace, and with it the mount, ends with the case (the script
/// also unmounts it itself).
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct HostDiskFillTests {
    static let name = "gameday-diskfill-\(getpid())"

    /// Runs `script` with $MNT a fresh 16 MiB tmpfs and $1... = `args`, in a private mount namespace.
    static func onSmallDisk(_ script: String, _ args: [String]) async throws -> CommandResult {
        try HostTestGate.requireRoot()
        let prologue = """
            mount --make-rprivate / && mount -t tmpfs -o size=4m,mode=1777 tmpfs /tmp || exit 99
            MNT=/tmp/\(name); mkdir "$MNT" && mount -t tmpfs -o size=16m tmpfs "$MNT" || exit 99
            trap 'umount "$MNT" 2>/dev/null' EXIT
            usage() { df -P -k -- "$MNT" | awk 'NR == 2 { print $5 }'; }

            """
        return try await RemoteProcess.run(["unshare", "--mount", "sh", "-c", prologue + script, "harness"] + args,
                                           timeout: .seconds(60)).result
    }

    static func scripts(_ options: DiskFill.Options) -> (inject: String, revert: String) {
        let commands = DiskFill.commands(options, name: name)
        return (commands.inject, commands.revert ?? "")
    }

    /// Filling to 50 % reaches 50 %; the revert removes exactly the fill file and leaves a neighbour in place.
    @Test func fillsToPercentAndRevertsOnlyItsFile() async throws {
        let (inject, revert) = Self.scripts(DiskFill.Options(path: "/tmp/\(Self.name)", amount: .percent(50)))
        let script = """
            echo keep > "$MNT/neighbour"
            sh -c "$1" || exit 10
            echo "after-inject $(usage)"
            ls -a "$MNT" | grep -c '^.gameday-fill-' | sed 's/^/fill-files /'
            sh -c "$2" || exit 11
            sh -c "$2" || exit 12
            echo "after-revert $(usage)"
            cat "$MNT/neighbour"
            ls -a "$MNT" | grep -c '^.gameday-fill-' | sed 's/^/left /'
            """
        let result = try await Self.onSmallDisk(script, [inject, revert])
        #expect(result.exitCode == 0, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("after-inject 50%") || result.stdout.contains("after-inject 51%"), "\(result.stdout)")
        #expect(result.stdout.contains("fill-files 1"))
        #expect(result.stdout.contains("keep"))
        #expect(result.stdout.contains("left 0"))
        #expect(result.stdout.contains("after-revert 1%") || result.stdout.contains("after-revert 0%"), "\(result.stdout)")
    }

    /// A path that is a file (not a directory) is refused with exit 68 and nothing is created.
    @Test func refusesAFile() async throws {
        let (inject, _) = Self.scripts(DiskFill.Options(path: "/tmp/\(Self.name)/file", amount: .percent(50)))
        let result = try await Self.onSmallDisk("echo x > \"$MNT/file\"\nsh -c \"$1\"; echo \"rc=$? $(usage)\"", [inject])
        #expect(result.stdout.contains("rc=\(DiskFill.notADirectory) 1%"), "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("is not a directory"))
    }

    /// Asked for more than the disk holds, it stops at 99 % and says so; with allowFull it fills up.
    @Test func capsAt99PercentUnlessAllowed() async throws {
        let (capped, revert) = Self.scripts(DiskFill.Options(path: "/tmp/\(Self.name)", amount: .bytes(64 << 20)))
        let (full, _) = Self.scripts(DiskFill.Options(path: "/tmp/\(Self.name)", amount: .bytes(64 << 20), allowFull: true))
        let script = """
            sh -c "$1" || exit 10
            echo "capped $(usage)"
            sh -c "$2"
            sh -c "$3"; echo "full-rc=$? $(usage)"
            sh -c "$2"
            """
        let result = try await Self.onSmallDisk(script, [capped, revert, full])
        #expect(result.stdout.contains("capped 99%"), "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("(capped at 99%"))
        #expect(result.stdout.contains("full-rc=0 100%"), "\(result.stdout) \(result.stderr)")
    }
}

/// disk-fill through `gameday run` on the namespaced SSH fleet: the controller is SIGKILLed while h3's disk is
/// full, and h3's host-side lease deletes the fill file at duration + grace by itself.
///
/// The disk is an 8 MiB tmpfs mounted inside the mount namespace of h3's sshd (so h3's commands and its lease see
/// it, and it ends with the fleet); the plan fills a directory that exists only on that tmpfs, so a host that did
/// not see the mount would refuse the path instead of filling a real disk.
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct DiskFillFleetTests {
    /// Runs `script` in the mount namespace of `host`'s sshd.
    @discardableResult
    static func inHost(_ fleet: TestFleet, _ host: String, _ script: String, _ args: [String] = []) throws -> (status: Int32, output: String) {
        let pid = try String(contentsOfFile: fleet.directory + "/\(host)/sshd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["-t", pid, "-m", "sh", "-c", script, "gameday-test"] + args
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func fillFiles(_ fleet: TestFleet, _ directory: String) -> Int? {
        guard let result = try? inHost(fleet, "h3", "ls -a \"$1\" | grep -c '^.gameday-fill-'", [directory]) else { return nil }
        return Int(result.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func leaseDeletesTheFillAfterSIGKILL() async throws {
        let gameday = try GameDayEndToEndTests.gameday()
        try await TestFleet.with { fleet in
            let mountPoint = fleet.directory + "/h3-disk", disk = mountPoint + "/fill"
            let mounted = try Self.inHost(fleet, "h3", "mkdir -p \"$1\" && mount -t tmpfs -o size=8m gameday-test-fill \"$1\" && mkdir \"$2\"", [mountPoint, disk])
            try #require(mounted.status == 0, "could not mount the test disk in h3's mount namespace")
            defer { _ = try? Self.inHost(fleet, "h3", "umount -l \"$1\"", [mountPoint]) }
            let h3 = fleet.host("h3")
            let yaml = """
                version: 1
                name: fleet-disk-fill
                targets:
                  - name: h3
                    address: \(h3.address)
                    tags: { zone: \(h3.zone) }
                    access: { ssh: { user: root, port: 2222, identity: \(fleet.directory)/id_ed25519, knownHosts: \(fleet.directory)/known_hosts } }
                health:
                  - { name: ok, command: ["true"], interval: 500ms }
                timeline: { baseline: 1s, recovery: 1s }
                steps:
                  - name: fill-h3
                    at: 0s
                    duration: 4s
                    fault: disk-fill
                    targets: [h3]
                    with: { path: \(disk), percent: 50% }

                """
            let plan = fleet.directory + "/disk-fill.yaml"
            try yaml.write(toFile: plan, atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = fleet.controllerPrefix + [gameday, "run", plan, "--runs-dir", fleet.directory + "/runs", "--no-input"]
            process.standardOutput = FileHandle.nullDevice
            let log = fleet.directory + "/run.stderr"
            FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            let pid = process.processIdentifier
            defer { if process.isRunning { kill(pid, SIGKILL) } }
            let filled = try await eventually(timeout: .seconds(60), every: .seconds(0.1)) { (Self.fillFiles(fleet, disk) ?? 0) > 0 }
            let injected = ContinuousClock.now
            kill(pid, SIGKILL)
            process.waitUntilExit()
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where entry.hasPrefix("gdssh-\(pid)-") {
                try? FileManager.default.removeItem(atPath: "/tmp/" + entry)
            }
            #expect(filled, "the fill file never appeared: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            #expect(process.terminationReason == .uncaughtSignal)

            try await Task.sleep(for: .seconds(6))
            #expect(Self.fillFiles(fleet, disk) == 1, "the fill should outlive the killed controller until its lease")
            let healed = try await eventually(timeout: .seconds(60), every: .seconds(0.2)) { Self.fillFiles(fleet, disk) == 0 }
            let elapsed = ContinuousClock.now - injected
            #expect(healed)
            #expect(elapsed >= .seconds(30), "healed \(elapsed) after the inject, before the lease deadline (34 s)")
            #expect(elapsed < .seconds(45), "healed \(elapsed) after the inject, long after the 34 s lease")
        }
    }
}
