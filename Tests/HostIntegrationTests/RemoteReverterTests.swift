import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing
import GameDayTestSupport

@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct RemoteReverterTests {
    /// A host unreachable at revert time: the revert retries until its deadline, then fails loudly with the
    /// command to finish by hand; the host's lease still heals the fault on time.
    @Test func unreachableHostAtRevertTime() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool(retry: BackoffPolicy(maxAttempts: 2, base: .milliseconds(100), cap: .milliseconds(300)),
                                      connectTimeout: .seconds(1))
            let injector = RemoteFaultInjector(pool: pool, configuration: .init(leaseMode: .watchdog))
            let step = fleet.step("split", fault: Partition.fault(Partition.Options(cidrs: [fleet.host("h1").address])),
                                  targets: [fleet.target("h3")], duration: .seconds(15))
            let prepared = try await injector.prepare(step: step, target: fleet.target("h3"),
                                                      context: InjectionContext(runID: fleet.runID, leaseGrace: .seconds(3)))
            let applied = ContinuousClock.now
            _ = try await prepared.apply()
            #expect(try await fleet.tables(on: "h3").contains("gameday_"))
            // Cut h3 off: its link goes down (inside its own namespace), so ssh cannot reach it.
            _ = try await fleet.run(in: "h3", ["ip", "link", "set", "eth0", "down"])
            // Close the master so the revert needs a fresh connection (an idle master would only notice later).
            await pool.close()
            let fresh = try fleet.pool(retry: BackoffPolicy(maxAttempts: 2, base: .milliseconds(100), cap: .milliseconds(300)),
                                       connectTimeout: .seconds(1))
            let reverter = RemoteReverter(pool: fresh, deadline: .seconds(3),
                                          backoff: BackoffPolicy(maxAttempts: .max, base: .milliseconds(200), cap: .seconds(1)), seed: 3)
            do {
                _ = try await reverter.revert(prepared.recipe)
                Issue.record("the revert succeeded although the host is unreachable")
            } catch let error as RemoteFaultError {
                #expect(error.description.contains("FAULT STILL ACTIVE"))
                #expect(error.description.contains("ssh"))
                #expect(error.description.contains("nft delete table"))
            }
            #expect(try await fleet.tables(on: "h3").contains("gameday_"))
            _ = try await fleet.run(in: "h3", ["ip", "link", "set", "eth0", "up"])
            // The lease fires at 15 s + 3 s after the apply (long enough that a loaded machine's slow revert attempts
            // above cannot outlast it).
            #expect(try await eventually(timeout: .seconds(40), every: .seconds(0.1)) { try await !fleet.tables(on: "h3").contains("gameday_") })
            let elapsed = ContinuousClock.now - applied
            #expect(elapsed >= .seconds(17), "healed after \(elapsed), before the 18 s lease")
            #expect(try await eventually(timeout: .seconds(10), every: .milliseconds(200)) { try await fleet.serviceAnswers(from: "h1", to: "h3") })
            await fresh.close()
        }
    }

    /// A revert that fails on the host (an iptables chain that something else still references cannot be
    /// deleted) leaves the lease armed: the error's "FAULT STILL ACTIVE until its lease fires" is true, and once the
    /// obstacle is gone the lease removes the fault at its deadline.
    @Test func failedRevertKeepsLease() async throws {
        try await TestFleet.with(hosts: 2) { fleet in
            let pool = try fleet.pool()
            let injector = RemoteFaultInjector(pool: pool, configuration: .init(leaseMode: .watchdog, firewall: .iptables))
            let step = fleet.step("split", fault: Partition.fault(Partition.Options(cidrs: [fleet.host("h2").address])),
                                  targets: [fleet.target("h1")], duration: .seconds(6))
            let prepared = try await injector.prepare(step: step, target: fleet.target("h1"),
                                                      context: InjectionContext(runID: fleet.runID, leaseGrace: .seconds(2)))
            let detail = try await prepared.apply() ?? ""
            let line = try #require(detail.split(separator: ";").first { $0.contains("lease: watchdog pid") })
            let watchdog = try #require(line.split(separator: " ").compactMap { Int32($0) }.first)
            let chain = NetworkFaultCommands.iptablesChains(table: RemoteFaultNames.table(runID: fleet.runID, stepIndex: 0, stepName: "split")).input
            #expect(try await fleet.run(in: "h1", ["iptables", "-S"]).stdout.contains(chain))
            // Someone else jumps to gameday's chain: deleting it fails for real ("Device or resource busy").
            #expect(try await fleet.run(in: "h1", ["iptables", "-A", "FORWARD", "-j", chain]).exitCode == 0)
            let reverter = RemoteReverter(pool: pool, deadline: .seconds(1),
                                          backoff: BackoffPolicy(maxAttempts: .max, base: .milliseconds(200), cap: .milliseconds(400)), seed: 5)
            do {
                _ = try await reverter.revert(prepared.recipe)
                Issue.record("the revert succeeded although the chain is still referenced")
            } catch let error as RemoteFaultError {
                #expect(error.description.contains("FAULT STILL ACTIVE until its lease fires"))
            }
            // Alive and not a zombie (a killed watchdog is reparented and may linger unreaped).
            #expect(kill(watchdog, 0) == 0 && ProcessTable.state(of: watchdog) != "Z", "the failed revert cancelled the lease")
            // The obstacle goes away; the lease, still armed, finishes the revert by itself.
            #expect(try await fleet.run(in: "h1", ["iptables", "-D", "FORWARD", "-j", chain]).exitCode == 0)
            #expect(try await eventually(timeout: .seconds(30), every: .seconds(0.2)) {
                try await !fleet.run(in: "h1", ["iptables", "-S"]).stdout.contains(chain)
            }, "the fault stayed applied: its lease was gone")
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h2"))
            await pool.close()
        }
    }
}

/// Which recipes the reverter takes; needs no host.
@Suite struct RemoteReverterRoutingTests {
    /// Only ssh command recipes are handled; `.nothing` needs no work.
    @Test func handlesOnlySSHCommands() async throws {
        let access = SSHAccess()
        #expect(RemoteReverter.handles(.command(CommandRevert(executor: .ssh(host: "h", access: access), argv: ["true"]))))
        #expect(!RemoteReverter.handles(.command(CommandRevert(executor: .local, argv: ["true"]))))
        #expect(!RemoteReverter.handles(.nothing(reason: "x")))
        let pool = try SSHExecutorPool()
        let reverter = RemoteReverter(pool: pool)
        #expect(try await reverter.revert(.nothing(reason: "x")) == nil)
        await #expect(throws: RemoteFaultError.self) { _ = try await reverter.revert(.command(CommandRevert(executor: .local, argv: ["true"]))) }
        await pool.close()
    }
}
