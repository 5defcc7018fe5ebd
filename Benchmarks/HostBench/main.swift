// HostBench: one partition step against N namespaced hosts over multiplexed SSH.
//
// For each fleet size it builds a fleet with scripts/testbed/fleet.sh (namespaces gdb<pid>x<n>-*, sshd per host,
// the controller in its own namespace), then runs itself inside the controller's namespace (`ip netns exec`, as
// `gameday run` would run there) to measure, with every host handled in parallel (at most --parallel at once): the
// time to open the master connections (cold handshakes), the time from step start until the partition is active on
// every host (prepare + apply, lease included), and from revert start until it is gone everywhere. It checks on
// every host that the table exists after the inject and is gone after the revert, and removes the fleet at the
// end, also on failure.
import Foundation
import GameDayCore
import GameDayFaults
import GameDayEngine
import GameDayInjectors

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

struct Options {
    var fleet = "scripts/testbed/fleet.sh"
    var sizes = [10, 20, 50]
    var parallel = 50
    /// Set in the child that runs inside the controller namespace: `PREFIX DIR SIZE`.
    var inside: (prefix: String, directory: String, size: Int)?

    init(arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError(description: "\(flag) needs a value") }
            switch flag {
            case "--fleet": fleet = value
            case "--inside":
                let parts = value.split(separator: ":").map(String.init)
                guard parts.count == 3, let size = Int(parts[2]) else { throw BenchError(description: "--inside PREFIX:DIR:SIZE") }
                inside = (parts[0], parts[1], size)
            case "--sizes":
                sizes = value.split(separator: ",").compactMap { Int($0) }
                guard !sizes.isEmpty, sizes.allSatisfy({ (1...200).contains($0) }) else {
                    throw BenchError(description: "--sizes takes numbers 1...200, e.g. 10,20,50")
                }
            case "--parallel":
                guard let n = Int(value), n > 0 else { throw BenchError(description: "--parallel takes a positive number") }
                parallel = n
            default: throw BenchError(description: "unknown option \(flag); use --fleet PATH --sizes 10,20,50 --parallel N")
            }
        }
    }
}

struct Figures {
    var hosts: Int
    var connect: Duration
    var inject: Duration
    var revert: Duration
    /// CPU seconds spent by everything involved (controller, ssh clients and masters, sshd sessions, host-side
    /// commands) during the inject and the revert: a load-independent cost, since wall time on a shared 2-core
    /// machine mostly measures the other tenants.
    var injectCPU: Double = 0
    var revertCPU: Double = 0
}

/// CPU accounting over /proc: the controller (self + reaped children), the ssh masters of this run, and the
/// per-connection sshd processes of the fleet (whose reaped children are the host-side commands).
struct CPUMeter {
    var sshdListeners: Set<Int32>
    var controlDirectory: String

    func total() -> Double {
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        var ticks = 0.0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
            guard fields.count > 16, let ppid = Int32(fields[1]) else { continue }
            let isSession = sshdListeners.contains(ppid)
            var isMaster = false
            if !isSession, let cmdline = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) {
                isMaster = cmdline.contains(controlDirectory)
            }
            guard isSession || isMaster else { continue }
            // utime, stime, cutime, cstime
            ticks += [11, 12, 13, 14].compactMap { Double(fields[$0]) }.reduce(0, +)
        }
        var me = rusage(), children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &me)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        func secs(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return ticks / tick + secs(me.ru_utime) + secs(me.ru_stime) + secs(children.ru_utime) + secs(children.ru_stime)
    }
}

func seconds(_ d: Duration) -> String { String(format: "%.3f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }

func measure(size: Int, index: Int, options: Options) async throws -> Figures {
    let prefix = "gdb\(getpid())x\(index)"
    let directory = "/tmp/\(prefix)"
    let up = try await RemoteProcess.run([options.fleet, "up", prefix, directory, String(size), "--service", "none"], timeout: .seconds(300))
    guard up.result.exitCode == 0 else {
        _ = try? await RemoteProcess.run([options.fleet, "down", prefix, directory], timeout: .seconds(120))
        throw BenchError(description: "fleet.sh up failed: \(up.result.stderr)")
    }
    do {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let child = try await RemoteProcess.run(["ip", "netns", "exec", "\(prefix)-ctl", exe, "--parallel", String(options.parallel),
                                                 "--inside", "\(prefix):\(directory):\(size)"], timeout: .seconds(600))
        _ = try await RemoteProcess.run([options.fleet, "down", prefix, directory], timeout: .seconds(120))
        let fields = child.result.stdout.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard child.result.exitCode == 0, fields.count == 5 else {
            throw BenchError(description: "the measurement inside the controller namespace failed: \(child.result.stdout) \(child.result.stderr)")
        }
        func span(_ s: Double) -> Duration { .milliseconds(Int64(s * 1000)) }
        return Figures(hosts: size, connect: span(fields[0]), inject: span(fields[1]), revert: span(fields[2]),
                       injectCPU: fields[3], revertCPU: fields[4])
    } catch {
        _ = try? await RemoteProcess.run([options.fleet, "down", prefix, directory], timeout: .seconds(120))
        throw error
    }
}

/// The half that runs inside the controller namespace: prints "connect inject revert" in seconds.
enum HostBenchInside {
    static func run(prefix: String, directory: String, size: Int, options: Options) async throws {
        let pool = try SSHExecutorPool(configuration: .init(seed: 1))
        do {
            let f = try await measurePartition(size: size, prefix: prefix, directory: directory, pool: pool, options: options)
            await pool.close()
            func s(_ d: Duration) -> String { String(format: "%.4f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
            print("\(s(f.connect)) \(s(f.inject)) \(s(f.revert)) \(String(format: "%.4f", f.injectCPU)) \(String(format: "%.4f", f.revertCPU))")
        } catch {
            await pool.close()
            throw error
        }
    }
}

func measurePartition(size: Int, prefix: String, directory: String, pool: SSHExecutorPool, options: Options) async throws -> Figures {
    let table = try String(contentsOfFile: directory + "/hosts.tsv", encoding: .utf8)
    let access = SSHAccess(user: "root", port: 2222, identity: directory + "/id_ed25519", knownHosts: directory + "/known_hosts")
    let targets = table.split(separator: "\n").map { line -> Target in
        let f = line.split(separator: "\t").map(String.init)
        return Target(name: f[0], address: f[1], tags: ["zone": f[2]], access: .ssh(access))
    }
    let zoneB = targets.filter { $0.tags["zone"] == "b" }.compactMap(\.address)
    let zoneA = targets.filter { $0.tags["zone"] == "a" }
    // Zone a is cut off from zone b; zone b hosts get the mirror step so every host carries a table.
    let stepA = ScheduledStep(index: 0, name: "split-a", fault: Partition.fault(Partition.Options(cidrs: zoneB)),
                              targets: zoneA, injectAt: .seconds(0), revertAt: .seconds(60))
    let stepB = ScheduledStep(index: 0, name: "split-a", fault: Partition.fault(Partition.Options(cidrs: zoneA.compactMap(\.address))),
                              targets: targets.filter { $0.tags["zone"] == "b" }, injectAt: .seconds(0), revertAt: .seconds(60))
    let work = zoneA.map { (stepA, $0) } + stepB.targets.map { (stepB, $0) }
    let injector = RemoteFaultInjector(pool: pool, configuration: .init(leaseMode: .watchdog, firewall: .nftables))
    let reverter = RemoteReverter(pool: pool, deadline: .seconds(30), seed: 2)
    let context = InjectionContext(runID: "\(prefix)-bench", leaseGrace: .seconds(60))
    let clock = ContinuousClock()

    let connectStart = clock.now
    let unreachable = await pool.connectAll(targets, maxConcurrent: options.parallel, timeout: .seconds(60))
    let connect = clock.now - connectStart
    if let (name, error) = unreachable.first { throw BenchError(description: "connect failed on \(unreachable.count) host(s), e.g. \(name): \(error)") }

    let listeners = Set((1...size).compactMap { i in
        (try? String(contentsOfFile: "\(directory)/h\(i)/sshd.pid", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    })
    let meter = CPUMeter(sshdListeners: listeners, controlDirectory: pool.controlDirectory)
    let beforeInject = meter.total()
    let injectStart = clock.now
    let applied = await SSHFanOut.run(work, maxConcurrent: options.parallel) { step, target in
        let prepared = try await injector.prepare(step: step, target: target, context: context)
        _ = try await prepared.apply()
        return prepared.recipe
    }
    let inject = clock.now - injectStart
    let afterInject = meter.total()
    try check(applied, "inject")
    try await verify(targets, pool: pool, present: true, options: options)

    let recipes = applied.compactMap { try? $0.get() }
    let beforeRevert = meter.total()
    let revertStart = clock.now
    let reverted = await SSHFanOut.run(recipes, maxConcurrent: options.parallel) { try await reverter.revert($0) }
    let revert = clock.now - revertStart
    let afterRevert = meter.total()
    try check(reverted, "revert")
    try await verify(targets, pool: pool, present: false, options: options)
    return Figures(hosts: size, connect: connect, inject: inject, revert: revert,
                   injectCPU: afterInject - beforeInject, revertCPU: afterRevert - beforeRevert)
}

func check<T>(_ results: [Result<T, any Error>], _ phase: String) throws {
    let failures = results.compactMap { result -> String? in
        if case .failure(let error) = result { return "\(error)" }
        return nil
    }
    if !failures.isEmpty { throw BenchError(description: "\(phase) failed on \(failures.count) host(s): \(failures[0])") }
}

/// Every host has (or no longer has) a gameday table.
func verify(_ targets: [Target], pool: SSHExecutorPool, present: Bool, options: Options) async throws {
    let listed = await SSHFanOut.run(targets, maxConcurrent: options.parallel) { target in
        try await pool.executor(for: target).run(["nft", "list", "tables"], timeout: .seconds(30)).stdout.contains("gameday_")
    }
    let wrong = listed.enumerated().filter { (try? $0.element.get()) != present }.map { targets[$0.offset].name }
    if !wrong.isEmpty {
        throw BenchError(description: "partition \(present ? "missing" : "still present") on \(wrong.joined(separator: ", "))")
    }
}

@main
struct HostBench {
    static func main() async {
        do {
            let options = try Options(arguments: CommandLine.arguments)
            if let inside = options.inside {
                try await HostBenchInside.run(prefix: inside.prefix, directory: inside.directory, size: inside.size, options: options)
                return
            }
            guard getuid() == 0 else {
                print("HostBench needs root (network namespaces, sshd, nftables); skipped")
                exit(0)
            }
            _ = try await RemoteProcess.run([options.fleet, "sweep"], timeout: .seconds(120))
            print("HostBench: one partition step on N namespaced hosts over multiplexed SSH, \(options.parallel) at once")
            print("hosts | connect (cold) | inject until active everywhere | revert until gone everywhere | CPU inject / revert | load before")
            print("----- | -------------- | ------------------------------ | ---------------------------- | ------------------- | -----------")
            var all: [Figures] = []
            for (index, size) in options.sizes.enumerated() {
                let load = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").first.map(String.init) ?? "?"
                let f = try await measure(size: size, index: index, options: options)
                all.append(f)
                let cpu = String(format: "%.2f s / %.2f s", f.injectCPU, f.revertCPU)
                print("\(String(f.hosts).padding(toLength: 5, withPad: " ", startingAt: 0)) | \(seconds(f.connect).padding(toLength: 14, withPad: " ", startingAt: 0)) | \(seconds(f.inject).padding(toLength: 30, withPad: " ", startingAt: 0)) | \(seconds(f.revert).padding(toLength: 28, withPad: " ", startingAt: 0)) | \(cpu.padding(toLength: 19, withPad: " ", startingAt: 0)) | \(load)")
            }
            if let first = all.first, let last = all.last, last.hosts > first.hosts {
                let ratio = { (a: Duration, b: Duration) in String(format: "%.2fx", (Double(b.components.seconds) + Double(b.components.attoseconds) / 1e18) / max(1e-9, Double(a.components.seconds) + Double(a.components.attoseconds) / 1e18)) }
                print("growth \(first.hosts) -> \(last.hosts) hosts (\(last.hosts / max(1, first.hosts))x): inject \(ratio(first.inject, last.inject)), revert \(ratio(first.revert, last.revert))")
                let goal: Duration = .seconds(2)
                print("goal < 2 s at \(last.hosts) hosts: inject \(last.inject < goal ? "met" : "MISSED"), revert \(last.revert < goal ? "met" : "MISSED")"
                    + " (wall time; on \(ProcessInfo.processInfo.activeProcessorCount) idle cores the CPU figures bound it at about "
                    + String(format: "%.2f s / %.2f s", last.injectCPU / Double(ProcessInfo.processInfo.activeProcessorCount),
                             last.revertCPU / Double(ProcessInfo.processInfo.activeProcessorCount)) + ")")
            }
        } catch {
            print("HostBench failed: \(error)")
            exit(1)
        }
    }
}
