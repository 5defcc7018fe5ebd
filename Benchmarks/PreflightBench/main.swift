// PreflightBench: `gameday preflight` of N namespaced hosts, with the ssh masters warm (as inside `gameday run`,
// whose preflight uses the run's connections), and with `--rehearse` (a marker and a short lease per host).
//
// It builds a fleet with scripts/testbed/fleet.sh (namespaces gdb<pid>-*, sshd per host), opens every master
// connection once (timed: the cold handshakes), then times three preflights of a partition step on every host
// (reporting each and the median) and one lease rehearsal, checking that every host was ready and every lease
// fired. Goals from issue 12: under 2 s for 50 hosts; the rehearsal under lease + 3 s. The fleet is removed at the
// end, also on failure.
import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import GameDayPreflight

struct BenchError: Error, CustomStringConvertible { var description: String }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

@main
struct PreflightBench {
    static func main() async {
        var fleet = "scripts/testbed/fleet.sh", hosts = 50, lease: Int64 = 3
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst(), let value = arguments.popFirst() {
            switch flag {
            case "--fleet": fleet = value
            case "--hosts": hosts = max(1, min(200, Int(value) ?? hosts))
            case "--lease": lease = max(1, Int64(value) ?? lease)
            default: print("usage: PreflightBench [--fleet PATH] [--hosts N] [--lease SECONDS]"); exit(2)
            }
        }
        guard getuid() == 0 else {
            print("PreflightBench needs root (network namespaces, sshd, nftables); skipped")
            exit(0)
        }
        let prefix = "gdb\(getpid())", directory = "/tmp/gdb\(getpid())"
        do {
            _ = try await RemoteProcess.run([fleet, "sweep"], timeout: .seconds(120))
            let up = try await RemoteProcess.run([fleet, "up", prefix, directory, String(hosts), "--service", "none"], timeout: .seconds(600))
            guard up.result.exitCode == 0 else { throw BenchError(description: "fleet.sh up failed: \(up.result.stderr)") }
            try await measure(prefix: prefix, directory: directory, hosts: hosts, lease: lease)
            _ = try? await RemoteProcess.run([fleet, "down", prefix, directory], timeout: .seconds(120))
        } catch {
            _ = try? await RemoteProcess.run([fleet, "down", prefix, directory], timeout: .seconds(120))
            print("PreflightBench failed: \(error)")
            exit(1)
        }
    }

    static func measure(prefix: String, directory: String, hosts count: Int, lease: Int64) async throws {
        let table = (try? String(contentsOfFile: directory + "/hosts.tsv", encoding: .utf8)) ?? ""
        let access = SSHAccess(user: "root", port: 2222, identity: directory + "/id_ed25519", knownHosts: directory + "/known_hosts")
        let targets = table.split(separator: "\n").map { line -> Target in
            let fields = line.split(separator: "\t").map(String.init)
            return Target(name: fields[0], address: fields[1], tags: ["zone": fields[2]], access: .ssh(access))
        }
        guard targets.count == count else { throw BenchError(description: "expected \(count) hosts, the fleet has \(targets.count)") }
        let pool = try SSHExecutorPool(configuration: .init(retry: .none, connectTimeout: .seconds(20), argvPrefix: ["ip", "netns", "exec", "\(prefix)-ctl"]))
        defer { Task { await pool.close() } }
        let step = ScheduledStep(index: 0, name: "cut", fault: Partition.fault(Partition.Options(cidrs: ["10.77.0.1/32"])),
                                 targets: targets, injectAt: .seconds(1), revertAt: .seconds(2))
        let schedule = Schedule(planName: "bench", seed: 1, baseline: .seconds(1), recovery: .seconds(1), steps: [step])
        let plan = Plan(name: "bench", targets: targets, steps: [])
        let work = Preflight.hostWork(schedule: schedule)
        let executorFor: @Sendable (Target) -> (any CommandExecutor)? = { target in PoolExecutor(pool: pool, target: target) }
        var preflight = Preflight(executorFor: executorFor, proxyCheck: { _, _ in .unreachable("none") }, healthOnce: { _ in [:] })
        preflight.maxConcurrent = 50

        let clock = ContinuousClock()
        let cold = clock.now
        let failed = await pool.connectAll(targets, maxConcurrent: 50, timeout: .seconds(30))
        guard failed.isEmpty else { throw BenchError(description: "unreachable: \(failed)") }
        let connect = clock.now - cold
        print("PreflightBench: preflight of a partition step on \(count) namespaced hosts (50 at once) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print(String(format: "connect (cold handshakes, not part of the goal): %.3f s", seconds(connect)))
        var runs: [Double] = []
        for index in 1...3 {
            let start = clock.now
            let report = await preflight.run(plan: plan, schedule: schedule, hosts: work, runsDirectory: nil, health: false)
            let elapsed = seconds(clock.now - start)
            guard report.ready else { throw BenchError(description: "not ready: \(report.summary)") }
            runs.append(elapsed)
            print(String(format: "preflight %d (masters warm): %.3f s, %d checks", index, elapsed, report.items.count))
        }
        let median = runs.sorted()[1]
        print(String(format: "median %.3f s — goal < 2 s at %d hosts: %@", median, count, median < 2 ? "met" : "MISSED"))

        let rehearsal = LeaseRehearsalRunner(executorFor: executorFor, leaseSeconds: lease, runID: "bench")
        let start = clock.now
        let rehearsals = await rehearsal.run(hosts: work) { _ in }
        let elapsed = seconds(clock.now - start)
        let fired = rehearsals.filter(\.passed).count
        let delays = rehearsals.compactMap(\.delay).sorted()
        let worst = delays.last ?? .nan
        print(String(format: "--rehearse (lease %d s): %.3f s, %d of %d leases fired on time, delay median %+.2f s, worst %+.2f s — goal < lease + 3 s = %d s: %@",
                     lease, elapsed, fired, rehearsals.count, delays.isEmpty ? .nan : delays[delays.count / 2], worst, lease + 3,
                     elapsed < Double(lease + 3) && fired == rehearsals.count ? "met" : "MISSED"))
    }
}

/// The pool's executor of a target, looked up on first use (the pool is an actor).
struct PoolExecutor: CommandExecutor {
    let pool: SSHExecutorPool
    let target: Target
    var label: String { "ssh \(target.name)" }
    func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult {
        try await pool.executor(for: target).run(argv, timeout: timeout)
    }
}
