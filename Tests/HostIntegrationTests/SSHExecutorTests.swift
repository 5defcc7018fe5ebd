import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import Testing

@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct SSHExecutorTests {
    /// Commands run on the right host with their arguments intact, over one multiplexed connection per host;
    /// `close()` ends the masters and removes the control directory.
    @Test func runsQuotedCommandsOverOneMaster() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let executor = try await pool.executor(for: fleet.target("h3"))
            let words = ["it's", "$(hostname)", "a b", "", "*"]
            let result = try await executor.run(["printf", "%s|"] + words, timeout: .seconds(20))
            #expect(result.exitCode == 0)
            #expect(result.stdout == words.map { $0 + "|" }.joined())
            let address = try await executor.run(["ip", "-o", "-4", "addr", "show", "eth0"], timeout: .seconds(20))
            #expect(address.stdout.contains(fleet.host("h3").address))
            let sockets = try FileManager.default.contentsOfDirectory(atPath: pool.controlDirectory).filter { !$0.hasPrefix("gd-") }
            #expect(sockets.count == 1)
            let check = try await RemoteProcess.run(executor.builder.command(["true"]).prefix(4) + ["ssh"]
                + executor.builder.commonOptions + ["-O", "check", "--", fleet.host("h3").address], timeout: .seconds(10))
            #expect(check.result.exitCode == 0, "no master: \(check.result.stderr)")
            // Many commands in parallel share the master.
            let results = await SSHFanOut.run(Array(0..<12), maxConcurrent: 6) { i in
                try await executor.run(["echo", String(i)], timeout: .seconds(30)).stdout
            }
            #expect(results.compactMap { try? $0.get() } == (0..<12).map { "\($0)\n" })
            await pool.close()
            #expect(!FileManager.default.fileExists(atPath: pool.controlDirectory))
        }
    }

    /// Remote exit codes and stderr come back as they are.
    @Test func exitCodesAndStderr() async throws {
        try await TestFleet.with(hosts: 1) { fleet in
            let pool = try fleet.pool()
            let executor = try await pool.executor(for: fleet.target("h1"))
            let result = try await executor.run(["sh", "-c", "echo oops >&2; exit 7"], timeout: .seconds(20))
            #expect(result.exitCode == 7)
            #expect(result.stderr == "oops\n")
            await pool.close()
        }
    }

    /// A host key not in known_hosts is refused (strict checking), reported as unreachable with ssh's reason.
    @Test func strictHostKeyChecking() async throws {
        try await TestFleet.with(hosts: 1) { fleet in
            let pool = try fleet.pool(retry: .none)
            let empty = fleet.directory + "/empty_known_hosts"
            FileManager.default.createFile(atPath: empty, contents: Data())
            var access = fleet.access
            access.knownHosts = empty
            let executor = try await pool.executor(host: fleet.host("h1").address, access: access)
            do {
                _ = try await executor.run(["true"], timeout: .seconds(20))
                Issue.record("connected although the host key is unknown")
            } catch let error as SSHExecutorError {
                guard case .unreachable(_, _, _, let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("Host key verification failed") || reason.contains("host key"))
            }
            await pool.close()
        }
    }

    /// Connection failures are retried with backoff, then reported with the number of attempts.
    @Test func unreachableHostIsRetried() async throws {
        try await TestFleet.with(hosts: 1) { fleet in
            let pool = try fleet.pool(retry: BackoffPolicy(maxAttempts: 3, base: .milliseconds(50), cap: .milliseconds(200)),
                                      connectTimeout: .seconds(1))
            let executor = try await pool.executor(host: "10.77.0.250", access: fleet.access, name: "ghost")
            do {
                _ = try await executor.run(["true"], timeout: .seconds(30))
                Issue.record("reached a host that does not exist")
            } catch let error as SSHExecutorError {
                #expect(error == .unreachable(host: "ghost", address: "10.77.0.250", attempts: 3, reason: {
                    if case .unreachable(_, _, _, let r) = error { return r }
                    return ""
                }()))
                #expect(error.description.contains("after 3 attempt(s)"))
            }
            await pool.close()
        }
    }

    /// A command running past its timeout is killed (the client's process group) and reported, not retried.
    @Test func commandTimeout() async throws {
        try await TestFleet.with(hosts: 1) { fleet in
            let pool = try fleet.pool()
            let executor = try await pool.executor(for: fleet.target("h1"))
            try await executor.connect()
            let started = ContinuousClock.now
            await #expect(throws: SSHExecutorError.self) { _ = try await executor.run(["sleep", "60"], timeout: .seconds(2)) }
            #expect(ContinuousClock.now - started < .seconds(30))
            // The master survives and serves the next command.
            #expect(try await executor.run(["echo", "still here"], timeout: .seconds(20)).stdout == "still here\n")
            await pool.close()
        }
    }
}
