import Foundation
import GameDayPOSIX
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Real children: each test spawns, reaps what it spawned, and removes its files.
@Suite struct SpawnTests {
    /// A scratch directory removed when the test ends.
    final class Scratch {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("gd-spawn-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func read(_ name: String) throws -> String { try String(contentsOfFile: path + "/" + name, encoding: .utf8) }
    }

    /// Waits for `pid` (blocking; every child here exits on its own or was killed) and returns its exit code, or
    /// 128 + signal.
    static func reap(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        var rc: pid_t
        repeat { rc = waitpid(pid, &status, 0) } while rc == -1 && errno == EINTR
        guard rc == pid else { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs `argv` with stdout appended to a file of `scratch` and returns its exit code and output.
    static func run(_ argv: [String], in scratch: Scratch, _ options: Spawn.Options = Spawn.Options()) throws -> (Int32, String) {
        var options = options
        let name = "out-\(UUID().uuidString)"
        options.stdout = .appendFile(scratch.path + "/" + name)
        let status = reap(try Spawn.spawn(argv, options))
        return (status, (try? scratch.read(name)) ?? "")
    }

    /// The child's exit status reaches the parent unchanged, and a missing program is a typed ENOENT error.
    @Test func exitStatusAndMissingProgram() throws {
        let scratch = try Scratch()
        #expect(try Self.run(["sh", "-c", "exit 7"], in: scratch).0 == 7)
        #expect(try Self.run(["true"], in: scratch).0 == 0)
        #expect(throws: SpawnError.self) { _ = try Spawn.spawn(["gameday-no-such-program-\(getpid())"]) }
        do throws(SpawnError) {
            _ = try Spawn.spawn(["gameday-no-such-program-\(getpid())"])
            Issue.record("a missing program was started")
        } catch {
            #expect(error.code == ENOENT)
            #expect(error.description.contains("cannot start gameday-no-such-program"))
        }
    }

    /// Without PATH search, argv[0] must be a path: a bare name is not found.
    @Test func searchPathOff() throws {
        #expect(throws: SpawnError.self) { _ = try Spawn.spawn(["true"], Spawn.Options(searchPath: false)) }
        let scratch = try Scratch()
        #expect(try Self.run(["/bin/sh", "-c", "exit 3"], in: scratch, Spawn.Options(searchPath: false)).0 == 3)
    }

    /// The child leads a new process group (so `kill(-pid)` reaches its descendants), or stays in ours when asked.
    @Test func processGroup() throws {
        let own = try Spawn.spawn(["sleep", "30"])
        let ownGroup = getpgid(own)
        kill(-own, SIGKILL)
        #expect(Self.reap(own) == 128 + SIGKILL)
        #expect(ownGroup == own)

        let shared = try Spawn.spawn(["sleep", "30"], Spawn.Options(newProcessGroup: false))
        let sharedGroup = getpgid(shared)
        kill(shared, SIGKILL)
        _ = Self.reap(shared)
        #expect(sharedGroup == getpgrp())
    }

    /// A descriptor the parent opened without close-on-exec is closed in the child; with `closeFrom: nil` it is
    /// inherited (which shows the check can tell).
    @Test func closesInheritedDescriptors() throws {
        let scratch = try Scratch()
        let leaked = open(scratch.path, O_RDONLY)  // deliberately without O_CLOEXEC
        try #require(leaked > 2)
        defer { close(leaked) }
        let probe = ["sh", "-c", "if [ -e /proc/self/fd/\(leaked) ]; then echo open; else echo closed; fi"]
        #expect(try Self.run(probe, in: scratch).1 == "closed\n")
        #expect(try Self.run(probe, in: scratch, Spawn.Options(closeFrom: nil)).1 == "open\n")
    }

    /// stdin is /dev/null by default; stderr can follow stdout into an appended file, or go to a descriptor.
    @Test func redirections() throws {
        let scratch = try Scratch()
        let log = scratch.path + "/log"
        try "before\n".write(toFile: log, atomically: true, encoding: .utf8)
        var options = Spawn.Options(stdout: .appendFile(log), stderr: .sameAsStdout)
        let pid = try Spawn.spawn(["sh", "-c", "cat; echo out; echo err >&2"], options)
        #expect(Self.reap(pid) == 0)
        #expect(try scratch.read("log") == "before\nout\nerr\n")

        var fds: [Int32] = [-1, -1]
        try #require(pipe(&fds) == 0)
        options = Spawn.Options(stderr: .descriptor(fds[1]))
        let child = try Spawn.spawn(["sh", "-c", "echo to-stderr >&2"], options)
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        close(fds[0])
        #expect(Self.reap(child) == 0)
        #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self) == "to-stderr\n")
    }

    /// A signal the parent blocks or ignores is unblocked and back to default in the child; with
    /// `resetSignals: false` both survive exec (which shows the check can tell).
    @Test func resetsSignalMaskAndDispositions() throws {
        let scratch = try Scratch()
        var block = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGUSR1)
        var previousMask = sigset_t()
        // Blocked only on this thread, and only until the spawns below (synchronous, same thread) are done.
        pthread_sigmask(SIG_BLOCK, &block, &previousMask)
        let previousUSR2 = signal(SIGUSR2, SIG_IGN)
        defer {
            signal(SIGUSR2, previousUSR2)
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }
        let reset = try Self.run(["cat", "/proc/self/status"], in: scratch)
        let kept = try Self.run(["cat", "/proc/self/status"], in: scratch, Spawn.Options(resetSignals: false))

        func mask(_ status: String, _ field: String) -> UInt64? {
            status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
                .flatMap { UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        let usr1: UInt64 = 1 << (UInt64(SIGUSR1) - 1), usr2: UInt64 = 1 << (UInt64(SIGUSR2) - 1)
        #expect(reset.0 == 0 && kept.0 == 0)
        #expect(mask(reset.1, "SigBlk") == 0)
        // Standard signals 1-31 only: glibc keeps its internal real-time signals (32, 33) out of sigfillset.
        #expect(mask(reset.1, "SigIgn").map { $0 & 0x7fff_ffff } == 0)
        #expect(mask(kept.1, "SigBlk").map { $0 & usr1 != 0 } == true)
        #expect(mask(kept.1, "SigIgn").map { $0 & usr2 != 0 } == true)
    }
}
