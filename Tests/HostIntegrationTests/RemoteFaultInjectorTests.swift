import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors
import Testing
import GameDayTestSupport

/// Real faults on a namespaced fleet over real SSH: the injector's scripts, leases and reverts, end to end.
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct RemoteFaultInjectorTests {
    struct Applied {
        var prepared: PreparedFault
        var detail: String?
    }

    static func apply(_ injector: RemoteFaultInjector, _ step: ScheduledStep, runID: String,
                      grace: TimeSpan = .seconds(30)) async throws -> [Applied] {
        var applied: [Applied] = []
        for target in step.targets {
            let prepared = try await injector.prepare(step: step, target: target,
                                                      context: InjectionContext(runID: runID, leaseGrace: grace))
            applied.append(Applied(prepared: prepared, detail: try await prepared.apply()))
        }
        return applied
    }

    static func revertAll(_ applied: [Applied], pool: SSHExecutorPool) async throws {
        let reverter = RemoteReverter(pool: pool, deadline: .seconds(30), seed: 1)
        for item in applied.reversed() { _ = try await reverter.revert(item.prepared.recipe) }
    }

    static func injector(_ pool: SSHExecutorPool, firewall: FirewallBackend = .automatic) -> RemoteFaultInjector {
        RemoteFaultInjector(pool: pool, configuration: .init(leaseMode: .watchdog, firewall: firewall))
    }

    /// SIGSTOP by pattern makes one host's service unresponsive (others unaffected); the revert brings it back.
    @Test func nodeLossStopAndRecovery() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let step = fleet.step("freeze-h2", fault: .nodeLoss(NodeLossFault(signal: .STOP)),
                                  targets: [fleet.target("h2", pattern: true)], duration: .seconds(60))
            #expect(try await fleet.serviceAnswers(from: "ctl", to: "h2"))
            let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
            #expect(applied[0].detail?.contains("SIGSTOP sent to pids") == true)
            #expect(applied[0].detail?.contains("lease: watchdog pid") == true)
            #expect(try await !fleet.serviceAnswers(from: "ctl", to: "h2"))
            #expect(try await fleet.serviceAnswers(from: "ctl", to: "h1"))
            try await Self.revertAll(applied, pool: pool)
            #expect(try await eventually(timeout: .seconds(15), every: .milliseconds(200)) { try await fleet.serviceAnswers(from: "ctl", to: "h2") })
            await pool.close()
        }
    }

    /// SIGKILL by pid file: nothing to revert; the host's supervisor restarts the service with a new pid.
    @Test func nodeLossKillIsRecoveredBySupervisor() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let pidFile = "\(fleet.directory)/h1/service.pid"
            let before = try String(contentsOfFile: pidFile, encoding: .utf8)
            let step = fleet.step("kill-h1", fault: .nodeLoss(NodeLossFault(signal: .KILL)), targets: [fleet.target("h1")], duration: .seconds(30))
            let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
            guard case .nothing = applied[0].prepared.recipe else { Issue.record("KILL should have nothing to revert"); return }
            #expect(try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
                let now = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? before
                return now != before
            })
            #expect(try await eventually(timeout: .seconds(20), every: .milliseconds(200)) { try await fleet.serviceAnswers(from: "ctl", to: "h1") })
            await pool.close()
        }
    }

    /// Partitioning zone a from zone b: traffic between zones fails both ways, within a zone and from the
    /// controller it works, and after the revert every path works again and no table is left.
    @Test(arguments: [FirewallBackend.nftables, .iptables])
    func zonePartition(firewall: FirewallBackend) async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let zoneB = fleet.hosts.filter { $0.zone == "b" }.map(\.address)
            let step = fleet.step("split-zones", fault: Partition.fault(Partition.Options(peers: Selector(tags: ["zone": "b"]), cidrs: zoneB)),
                                  targets: fleet.targets(zone: "a"), duration: .seconds(60))
            let applied = try await Self.apply(Self.injector(pool, firewall: firewall), step, runID: fleet.runID)
            #expect(applied.count == 2)
            #expect(try await !fleet.serviceAnswers(from: "h1", to: "h3"))
            #expect(try await !fleet.serviceAnswers(from: "h4", to: "h2"))
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h2"))
            #expect(try await fleet.serviceAnswers(from: "h3", to: "h4"))
            #expect(try await fleet.serviceAnswers(from: "ctl", to: "h1"))
            try await Self.revertAll(applied, pool: pool)
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h3"))
            #expect(try await fleet.serviceAnswers(from: "h4", to: "h2"))
            #expect(try await !fleet.tables(on: "h1").contains("gameday_"))
            let rules = try await fleet.run(in: "h1", ["iptables", "-S"]).stdout
            #expect(!rules.contains("GD"))
            // Reverting twice is fine.
            try await Self.revertAll(applied, pool: pool)
            await pool.close()
        }
    }

    /// 30% inbound packet loss on a host shows up as roughly 30% loss of UDP datagrams sent to it.
    @Test func packetLossMeasured() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let step = fleet.step("lossy-h1", fault: PacketLoss.fault(PacketLoss.Options(percent: 30, direction: .inbound, protocolName: "udp")),
                                  targets: [fleet.target("h1")], duration: .seconds(60))
            let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
            let loss = try await Self.udpLoss(fleet, to: "h1")
            try await Self.revertAll(applied, pool: pool)
            let after = try await Self.udpLoss(fleet, to: "h1")
            #expect(loss > 18 && loss < 42, "measured \(loss)% loss under a 30% packet-loss fault")
            #expect(after < 5, "measured \(after)% loss after the revert")
        }
    }

    /// Loss in percent of 2,000 UDP datagrams sent from the controller to a host (counted by a receiver on the
    /// host that stops 2 s after the last datagram).
    static func udpLoss(_ fleet: TestFleet, to host: String) async throws -> Double {
        let address = fleet.host(host).address
        let receiver = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((sys.argv[1], 9999))
            s.settimeout(20)
            n = 0
            try:
                while True:
                    s.recv(2048)
                    n += 1
                    s.settimeout(2)
            except socket.timeout:
                pass
            print(n)
            """
        let sender = """
            import socket, sys, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for i in range(2000):
                s.sendto(b"x" * 200, (sys.argv[1], 9999))
                if i % 50 == 49:
                    time.sleep(0.01)
            """
        let counting = Task { try await fleet.run(in: host, ["/usr/bin/python3", "-c", receiver, address], timeout: .seconds(60)) }
        try await Task.sleep(for: .seconds(1))
        let sent = try await fleet.run(in: "ctl", ["/usr/bin/python3", "-c", sender, address], timeout: .seconds(60))
        #expect(sent.exitCode == 0, "\(sent.stderr)")
        let counted = try await counting.value
        guard let received = Double(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw FleetError("the UDP receiver on \(host) gave no count (exit \(counted.exitCode)): \(counted.stderr)")
        }
        return (2000 - received) / 2000 * 100
    }

    /// A 1 mbit bandwidth fault (tc tbf) limits what a host sends to about 1 Mbit/s; the revert lifts it.
    @Test func bandwidthMeasured() async throws {
        try await TestFleet.with(iperf: true) { fleet in
            let pool = try fleet.pool()
            let step = fleet.step("thin-h2", fault: HostBandwidth.fault(HostBandwidth.Options(rateKbit: 1000, direction: .outbound)),
                                  targets: [fleet.target("h2")], duration: .seconds(60))
            let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
            #expect(applied[0].detail?.contains("on eth0") == true)
            let limited = try await Self.throughput(fleet, from: "h2")
            try await Self.revertAll(applied, pool: pool)
            let free = try await Self.throughput(fleet, from: "h2")
            #expect(limited > 0.5e6 && limited < 1.6e6, "measured \(limited) bit/s under a 1 mbit limit")
            #expect(free > 20e6, "measured \(free) bit/s after the revert")
            let qdisc = try await fleet.run(in: "h2", ["tc", "qdisc", "show", "dev", "eth0"]).stdout
            #expect(!qdisc.contains("tbf"))
        }
    }

    /// Bits per second the host sends to the controller (iperf3 reverse mode, 3 s).
    static func throughput(_ fleet: TestFleet, from host: String) async throws -> Double {
        let result = try await fleet.run(in: "ctl", ["iperf3", "-c", fleet.host(host).address, "-R", "-t", "3", "-J",
                                                     "--connect-timeout", "5000"], timeout: .seconds(60))
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let received = (json?["end"] as? [String: Any])?["sum_received"] as? [String: Any]
        guard let bits = received?["bits_per_second"] as? Double else {
            throw FleetError("iperf3 gave no throughput (exit \(result.exitCode)): \(result.stderr) \(result.stdout.prefix(400))")
        }
        return bits
    }

    /// Latency needs netem; where the kernel lacks it the step fails with an error naming the proxy alternative,
    /// and nothing (no qdisc, no lease) is left behind.
    @Test func latencyWithoutNetemFailsClearly() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let probe = try await fleet.run(in: "h1", ["tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"])
            if probe.exitCode == 0 {
                _ = try await fleet.run(in: "h1", ["tc", "qdisc", "del", "dev", "lo", "root"])
            }
            let step = fleet.step("slow-h1", fault: HostLatency.fault(HostLatency.Options(delay: .milliseconds(100), direction: .outbound)),
                                  targets: [fleet.target("h1")], duration: .seconds(60))
            do {
                let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
                #expect(probe.exitCode == 0, "latency applied although netem is missing")
                try await Self.revertAll(applied, pool: pool)
            } catch let error as NetworkFaultError {
                #expect(probe.exitCode != 0, "netem exists, yet: \(error)")
                #expect(error.description.contains("proxy"))
            }
            let qdisc = try await fleet.run(in: "h1", ["tc", "qdisc", "show", "dev", "eth0"]).stdout
            #expect(!qdisc.contains("6d67:"))
            let leases = (try? FileManager.default.contentsOfDirectory(atPath: "/run/gameday")) ?? []
            #expect(!leases.contains { $0.contains(fleet.prefix) })
            await pool.close()
        }
    }

    /// Zone loss (isolate) cuts every host of the zone off from everything but SSH; the controller still reverts.
    @Test func zoneLossIsolates() async throws {
        try await TestFleet.with { fleet in
            let pool = try fleet.pool()
            let step = fleet.step("lose-zone-b", fault: .zoneLoss(ZoneLossFault(tag: "zone", value: "b", mode: .isolate)),
                                  targets: fleet.targets(zone: "b"), duration: .seconds(60))
            let applied = try await Self.apply(Self.injector(pool), step, runID: fleet.runID)
            #expect(try await !fleet.serviceAnswers(from: "ctl", to: "h3"))
            #expect(try await !fleet.serviceAnswers(from: "h4", to: "h3"))
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h2"))
            try await Self.revertAll(applied, pool: pool)
            #expect(try await fleet.serviceAnswers(from: "ctl", to: "h3"))
            #expect(try await fleet.serviceAnswers(from: "h4", to: "h3"))
            // A host outside the zone is refused rather than isolated by mistake.
            let wrong = fleet.step("lose-zone-b", fault: .zoneLoss(ZoneLossFault(value: "b")), targets: [fleet.target("h1")], duration: .seconds(5))
            await #expect(throws: RemoteFaultError.self) { _ = try await Self.apply(Self.injector(pool), wrong, runID: fleet.runID) }
            await pool.close()
        }
    }

    /// The controller is SIGKILLed mid-partition (its ssh client and master connection die with it, nobody
    /// reverts): the host-side lease heals the partition at duration + grace, not before.
    @Test func leaseHealsAfterControllerIsKilled() async throws {
        try await TestFleet.with { fleet in
            let zoneB = fleet.hosts.filter { $0.zone == "b" }.map(\.address)
            let step = fleet.step("split", fault: Partition.fault(Partition.Options(cidrs: zoneB)),
                                  targets: [fleet.target("h1")], duration: .seconds(4))
            let plan = try RemoteFaultInjector.plan(step: step, target: fleet.target("h1"), runID: fleet.runID,
                                                    leaseGrace: .seconds(2), configuration: .init(leaseMode: .watchdog))
            #expect(plan.lease?.seconds == 6)
            // The controller: an ssh client that applies the fault and then stays connected, as a run would.
            let controlDirectory = "/tmp/\(fleet.prefix)-kill"
            try FileManager.default.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: controlDirectory) }
            let builder = SSHCommandBuilder(host: fleet.host("h1").address, access: fleet.access, controlDirectory: controlDirectory,
                                            argvPrefix: fleet.controllerPrefix)
            let script = ShellQuote.join(plan.applyArgv) + "; echo applied; sleep 600"
            let started = ContinuousClock.now
            let controller = Task { try await RemoteProcess.run(builder.command(["sh", "-c", script]), timeout: .seconds(120)) }
            #expect(try await eventually(timeout: .seconds(20), every: .seconds(0.1)) { try await fleet.tables(on: "h1").contains("gameday_") })
            #expect(try await !fleet.serviceAnswers(from: "h1", to: "h3"))
            // Cancelling kills the client's whole process group with SIGKILL; the master goes too.
            controller.cancel()
            _ = try? await controller.value
            _ = try? await RemoteProcess.run(builder.exitMaster(), timeout: .seconds(10))
            let healed = try await eventually(timeout: .seconds(20), every: .seconds(0.1)) { try await !fleet.tables(on: "h1").contains("gameday_") }
            let elapsed = ContinuousClock.now - started
            #expect(healed)
            #expect(elapsed >= .seconds(5), "healed after \(elapsed), before the lease deadline")
            #expect(elapsed < .seconds(15), "healed after \(elapsed), long past the 6 s lease")
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h3"))
        }
    }
    /// A host tool that hangs past the command timeout (nft blocked, as a tool waiting for a lock would be): the
    /// inject fails, the immediate revert succeeds (what the journal records), and when the tool wakes up no
    /// fault appears afterwards — the host bounded and killed the inject, and the revert waited for it.
    @Test func hungInjectLeavesNothingBehind() async throws {
        try await TestFleet.with(hosts: 2) { fleet in
            let hang = try await HangingTool.start(fleet, host: "h1", tool: "/usr/sbin/nft", hangWhen: "add table")
            defer { hang.stop() }
            let target = Target(name: "h1", address: fleet.host("h1").address, tags: ["zone": "a"], access: .ssh(hang.access))
            let pool = try fleet.pool()
            let injector = RemoteFaultInjector(pool: pool, configuration: .init(leaseMode: .watchdog, firewall: .nftables,
                                                                                commandTimeout: .seconds(4)))
            let step = fleet.step("split", fault: Partition.fault(Partition.Options(cidrs: [fleet.host("h2").address])),
                                  targets: [target], duration: .seconds(60))
            let table = RemoteFaultNames.table(runID: fleet.runID, stepIndex: 0, stepName: "split")
            let prepared = try await injector.prepare(step: step, target: target, context: InjectionContext(runID: fleet.runID))
            do {
                _ = try await prepared.apply()
                Issue.record("the inject finished although nft hangs")
            } catch {
                // The host stopped the script itself (timeout on the host), not only the controller's ssh client.
                #expect("\(error)".contains("was stopped there"), "\(error)")
            }
            // What the runner does next: revert at once, and journal the outcome.
            let reverter = RemoteReverter(pool: pool, deadline: .seconds(20), seed: 2)
            let journaled = try await reverter.revert(prepared.recipe)
            #expect(journaled?.contains("reverted on") == true)
            // The tool wakes up. Whatever of the inject still runs on the host finishes now.
            hang.release()
            let settled = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) { try ProcessTable.matching(pattern: "add table inet \(table)").isEmpty }
            #expect(settled, "the inject still runs on the host")
            #expect(try await !fleet.tables(on: "h1").contains(table), "the journal says reverted, yet the partition is applied")
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h2"))
            await pool.close()
        }
    }
}

/// A second sshd on a fleet host whose sessions see `tool` replaced by a wrapper that blocks while a hold file
/// exists (bounded to 60 s), for invocations whose arguments contain `hangWhen`.
///
/// The bind mounts live in the mount namespace `ip netns exec` creates (propagation slave, so the root namespace
/// never sees them); the sshd started there keeps that namespace for its sessions and dies with the fleet.
struct HangingTool {
    let directory: String
    let access: SSHAccess
    let pidFile: String

    static func start(_ fleet: TestFleet, host: String, tool: String, hangWhen: String) async throws -> HangingTool {
        let directory = "\(fleet.directory)/hang-\(host)"
        let hostDirectory = "\(fleet.directory)/\(host)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let wrapper = """
            #!/bin/sh
            case "$*" in *\(ShellQuote.quote(hangWhen))*) n=0; while [ -e \(directory)/hold ] && [ "$n" -lt 600 ]; do sleep 0.1; n=$((n+1)); done;; esac
            exec \(directory)/real "$@"

            """
        try wrapper.write(toFile: directory + "/tool", atomically: true, encoding: .utf8)
        chmod(directory + "/tool", 0o755)
        for name in ["real", "empty", "hold"] { FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: nil) }
        let sshd = FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") ? "/usr/sbin/sshd" : "sshd"
        let setup = """
            mount --bind "$2" "$1/real" && mount --bind "$1/tool" "$2" || exit 1
            if [ -f /root/.bashrc ]; then mount --bind "$1/empty" /root/.bashrc || exit 1; fi
            exec "$3" -f "$4/sshd_config" -o Port=2223 -o PidFile="$1/sshd.pid" -E "$1/sshd.log"
            """
        let started = try await fleet.run(in: host, ["sh", "-c", setup, "hang", directory, tool, sshd, hostDirectory])
        guard started.exitCode == 0 else { throw FleetError("could not start the hanging sshd: \(started.stderr)") }
        let pidFile = directory + "/sshd.pid"
        guard await eventually(timeout: .seconds(20), every: .milliseconds(200), { FileManager.default.fileExists(atPath: pidFile) }) else {
            throw FleetError("the hanging sshd did not start: \((try? String(contentsOfFile: directory + "/sshd.log", encoding: .utf8)) ?? "")")
        }
        // The root namespace must not see the wrapper.
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        guard !mounts.contains(directory) else { throw FleetError("the hanging tool leaked into the root mount namespace") }
        let key = try String(contentsOfFile: hostDirectory + "/ssh_host_ed25519_key.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try "[\(fleet.host(host).address)]:2223 \(key)\n".write(toFile: directory + "/known_hosts", atomically: true, encoding: .utf8)
        let access = SSHAccess(user: "root", port: 2223, identity: fleet.directory + "/id_ed25519", knownHosts: directory + "/known_hosts")
        return HangingTool(directory: directory, access: access, pidFile: pidFile)
    }

    /// Lets the tool run (calls that are waiting continue).
    func release() { unlink(directory + "/hold") }

    /// Ends the sshd this test started (the fleet's removal would, too).
    func stop() {
        release()
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 {
            kill(pid, SIGTERM)
        }
    }
}

/// The pure half of the injector: what it plans to run and journal, without a host.
@Suite struct RemoteFaultInjectorPlanTests {
    static let access = SSHAccess(user: "ops", port: 2222, knownHosts: "/etc/gameday/known_hosts")
    static let web3 = Target(name: "web-3", address: "10.20.2.11", tags: ["zone": "b"], access: .ssh(access),
                             process: ProcessSelector(pidFile: "/run/web.pid"))

    static func step(_ fault: Fault, targets: [Target] = [web3]) -> ScheduledStep {
        ScheduledStep(index: 2, name: "cut zone b", fault: fault, targets: targets, injectAt: .seconds(30), revertAt: .seconds(150))
    }

    /// A partition is journaled as an ssh command recipe that cancels the lease, then deletes the run's table;
    /// the lease fires at duration + grace.
    @Test func partitionPlan() throws {
        let plan = try RemoteFaultInjector.plan(step: Self.step(Partition.fault(Partition.Options(cidrs: ["10.20.1.0/24"]))),
                                                target: Self.web3, runID: "20261124-0100-zone", leaseGrace: .seconds(30))
        #expect(plan.lease?.seconds == 150)
        let name = try #require(plan.lease?.name)
        #expect(name.hasPrefix("gameday-20261124-0100-zone-2-cut-zone-b-web-3-") && name.count == "gameday-20261124-0100-zone-2-cut-zone-b-web-3-".count + 8)
        guard case .command(let revert) = plan.recipe(timeout: .seconds(20)) else { Issue.record("expected a command recipe"); return }
        #expect(revert.executor == .ssh(host: "10.20.2.11", access: Self.access))
        #expect(revert.argv[0...1] == ["sh", "-c"])
        #expect(revert.argv[2].contains("\(name).lease"))
        #expect(revert.argv[2].contains("\(name).lock"))
        #expect(revert.argv[2].contains("nft delete table inet gameday_20261124_0100_zone_2_cut_zone_b"))
        #expect(plan.applyArgv[2].contains("--on-active=150s"))
    }

    /// The preview shows the exact ssh command lines of the inject and the revert.
    @Test func previewIsExact() throws {
        let step = Self.step(DNSFailure.fault(DNSFailure.Options()))
        let previews = RemoteFaultInjector.preview(step: step, runID: "r", leaseGrace: .seconds(30))
        #expect(previews.count == 1)
        let inject = try #require(previews.first?.inject.first)
        #expect(inject.hasPrefix("ssh -p 2222 -o UserKnownHostsFile=/etc/gameday/known_hosts ops@10.20.2.11 'sh -c "))
        #expect(inject.contains("th dport 53"))
        #expect(previews.first?.revert.first?.contains("nft delete table inet gameday_r_2_cut_zone_b") == true)
    }

    /// SIGKILL by pid file has nothing to revert: no lease, a `.nothing` recipe with the reason.
    @Test func killHasNoLease() throws {
        let plan = try RemoteFaultInjector.plan(step: Self.step(.nodeLoss(NodeLossFault(signal: .KILL))), target: Self.web3,
                                                runID: "r", leaseGrace: .seconds(30))
        #expect(plan.lease == nil)
        #expect(plan.revertArgv == nil)
        guard case .nothing(let reason) = plan.recipe(timeout: .seconds(5)) else { Issue.record("expected nothing"); return }
        #expect(reason.contains("supervisor"))
    }

    /// Zone loss refuses a host outside the zone; other kinds of fault are not host-side.
    @Test func refusals() {
        let zoneA = Target(name: "web-1", address: "10.20.1.11", tags: ["zone": "a"], access: .ssh(Self.access))
        #expect(throws: RemoteFaultError.self) {
            try RemoteFaultInjector.plan(step: Self.step(.zoneLoss(ZoneLossFault(value: "b")), targets: [zoneA]), target: zoneA,
                                         runID: "r", leaseGrace: .seconds(30))
        }
        #expect(throws: RemoteFaultError.self) {
            try RemoteFaultInjector.plan(step: Self.step(.command(CommandFault(inject: ["true"]))), target: Self.web3,
                                         runID: "r", leaseGrace: .seconds(30))
        }
        #expect(!RemoteFaultInjector.handles(.command(CommandFault(inject: ["true"]))))
        #expect(RemoteFaultInjector.handles(.stress(StressFault(cpuWorkers: 1))))
    }

    /// A local target gets a local recipe.
    @Test func localTarget() throws {
        let local = Target(name: "here", tags: ["zone": "b"])
        let plan = try RemoteFaultInjector.plan(step: Self.step(.zoneLoss(ZoneLossFault(value: "b")), targets: [local]), target: local,
                                                runID: "r", leaseGrace: .seconds(30))
        #expect(plan.executor == .local)
        #expect(plan.commands.inject.contains("th dport 22 accept"))
    }
}
