// Issue 11's replica figures, from one run on a throwaway loopback PostgreSQL (needs root, like the tests):
//
// 1. Failover: three `gameday schedule run` replicas with the default 15 s lease TTL; the leader is SIGKILLed
//    `--kills` times, each at a random point of the renewal period (a fresh replica replaces each victim, so three
//    always campaign). Failover = from the SIGKILL to the new leader's first action, its takeover of the lease
//    (`leader_history.acquired_at`, by the database's clock on this machine). Median and max.
// 2. Journal mirroring: the same `gameday run` (`--checks` TCP health checks at 1 s against a loopback listener, one
//    command fault) without and with the journal mirrored into PostgreSQL, alternated `--pairs` times. Extra CPU =
//    user+sys of the run (getrusage RUSAGE_CHILDREN around each run; the run's own children included), and the rows
//    per second the mirror wrote.
//
// Usage: ReplicaBench --gameday PATH [--kills 20] [--checks 200] [--seconds 30] [--pairs 2]  (0 kills or 0 pairs: that
// part is left out)
import Foundation
import GameDayCore
import GameDaySchedule
import GameDayTestSupport
import Logging

func option(_ name: String, default value: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}
let gameday = option("--gameday", default: GameDayExecutable.path)
let kills = Int(option("--kills", default: "20")) ?? 20
let checks = Int(option("--checks", default: "200")) ?? 200
let runSeconds = Int(option("--seconds", default: "30")) ?? 30
let pairs = Int(option("--pairs", default: "2")) ?? 2

/// Prints a line at once (stdout may be a pipe under `make bench`; progress must show while it runs).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

guard PostgresCluster.available else {
    say("ReplicaBench: skipped: \(PostgresCluster.unavailableReason)")
    exit(0)
}
let cluster = try PostgresCluster.start()
defer { cluster.remove() }

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
func f(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

// MARK: 1. failover with the default TTL

func failover() throws -> [Double] {
    guard kills > 0 else { return [] }
    let fixture = try ScheduleReplicas(cluster: cluster, gameday: gameday)
    defer { fixture.remove() }
    // Leashed (nothing is injected) and a window open all the time the bench runs: the leader plans and decides.
    try fixture.start(scenario: "touch", plan: ScheduleReplicas.leashedPlan, window: 3 * 3600, leaseTTL: "15s", extra: ["leashed: true"])
    func waitForLeader(after token: Int64, timeout: Double) -> (pid: Int32, token: Int64)? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let leader = try? fixture.leader(), leader.token > token { return leader }
            usleep(100_000)
        }
        return nil
    }
    guard var current = waitForLeader(after: 0, timeout: 60) else { throw TestSupportError("no replica led: \(fixture.logs)") }
    var times: [Double] = []
    var phase = SeededGenerator(seed: 20_261_130)
    for kill in 1...max(1, kills) where kills > 0 {
        // Every replica has campaigned at least once since the last change (a renewal period is 5 s); then a seeded
        // random point of the renewal period, so the kills do not fall in step with the leader's renewals.
        Thread.sleep(forTimeInterval: 6 + Double.random(in: 0..<5, using: &phase))
        guard let victim = fixture.replica(pid: current.pid) else { throw TestSupportError("the leader \(current.pid) is not the bench's") }
        let killedAt = Date().timeIntervalSince1970
        Foundation.kill(victim.pid, SIGKILL)
        guard let next = waitForLeader(after: current.token, timeout: 60) else { throw TestSupportError("no new leader within 60 s: \(fixture.logs)") }
        let acquired = try fixture.psql("SELECT extract(epoch FROM acquired_at) FROM leader_history WHERE token = \(next.token)")
        let seconds = (Double(acquired) ?? .nan) - killedAt
        times.append(seconds)
        say("ReplicaBench: kill \(kill)/\(kills): leader \(current.pid) (token \(current.token)) -> \(next.pid) (token \(next.token)) after \(f(seconds)) s")
        current = next
        victim.process.waitUntilExit()
        try fixture.spawnReplica()
    }
    return times
}

// MARK: 2. journal mirroring overhead

/// A loopback listener that accepts and closes connections (the health checks' target), on a thread of its own.
final class Listener: @unchecked Sendable {
    // @unchecked: the descriptor is written once in init and closed once in stop.
    let fd: Int32
    let port: Int
    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 1024) == 0 else { throw TestSupportError("cannot listen on loopback") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { if errno == EINTR { continue }; return }
                close(client)
            }
        }
    }
    func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
}

func childCPU() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func mirroring() async throws -> (plain: [Double], mirrored: [Double], rowsPerSecond: [Double], rows: [Int], wall: [Double]) {
    guard pairs > 0 else { return ([], [], [], [], []) }
    let folder = try temporaryDirectory("replicabench")
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let listener = try Listener()
    defer { listener.stop() }
    let hold = max(1, runSeconds - 10)
    var plan = """
        version: 1
        name: mirror-bench
        description: \(checks) TCP checks at 1 s and one command fault, to weigh the journal mirror.
        environment: staging
        health:

        """
    for index in 0..<checks {
        plan += "  - { name: check-\(index), tcp: \"127.0.0.1:\(listener.port)\", interval: 1s, timeout: 1s }\n"
    }
    plan += """
        timeline: { baseline: 5s, recovery: 5s }
        steps:
          - { name: hold, at: 0s, duration: \(hold)s, fault: command, with: { inject: [\"true\"], revert: [\"true\"] } }

        """
    try plan.write(toFile: folder + "/plan.yaml", atomically: true, encoding: .utf8)
    let database = try cluster.createDatabase()
    let location = try PostgresLocation(parsing: cluster.url(database: database))
    _ = try await PostgresScheduleStore.withStore(location, logger: Logger(label: "gameday.bench")) { try await $0.schemaVersion() }
    // The mirror writes under a leader's token: hold the lease as a leader would.
    try cluster.psql("""
        UPDATE leader_lease SET token = 1, holder = 'bench', acquired_at = clock_timestamp(), renewed_at = clock_timestamp(),
            expires_at = clock_timestamp() + interval '1 day' WHERE id = 1
        """, database: database)

    func run(_ label: String, mirror: JournalMirrorTarget?) throws -> (cpu: Double, wall: Double) {
        let before = childCPU()
        let started = Date()
        let child = try ChildProcess(gameday, ["run", folder + "/plan.yaml", "--runs-dir", folder + "/runs-\(label)", "--no-input", "--no-preflight", "--quiet"],
                                     log: folder + "/\(label).log", environment: mirror?.environment ?? [:])
        child.process.waitUntilExit()
        let wall = Date().timeIntervalSince(started)
        guard child.process.terminationStatus == 0 else {
            throw TestSupportError("the \(label) run exited \(child.process.terminationStatus): \(child.log)")
        }
        return (childCPU() - before, wall)
    }
    var plain: [Double] = [], mirrored: [Double] = [], rowsPerSecond: [Double] = [], rows: [Int] = [], walls: [Double] = []
    for pair in 1...max(1, pairs) where pairs > 0 {
        let without = try run("plain-\(pair)", mirror: nil)
        plain.append(without.cpu)
        let decision = "bench-\(pair)"
        let with = try run("mirrored-\(pair)", mirror: JournalMirrorTarget(location: location, decisionID: decision, fence: 1))
        mirrored.append(with.cpu)
        let count = Int(try cluster.psql("SELECT count(*) FROM journal_event WHERE decision = '\(decision)'", database: database)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        rows.append(count)
        walls.append(with.wall)
        rowsPerSecond.append(Double(count) / with.wall)
        say("ReplicaBench: mirroring pair \(pair)/\(pairs): CPU without \(f(without.cpu)) s, with \(f(with.cpu)) s (+\(f((with.cpu / without.cpu - 1) * 100, 1)) %); \(count) rows in \(f(with.wall, 1)) s")
    }
    return (plain, mirrored, rowsPerSecond, rows, walls)
}

say("ReplicaBench: journal mirroring: \(checks) TCP checks at 1 s, a \(runSeconds) s run, \(pairs) pair(s) alternated")
let weighed = try await mirroring()
say("ReplicaBench: failover: 3 replicas, default 15 s TTL, \(kills) SIGKILLs of the leader")
let failovers = try failover()

let plainCPU = median(weighed.plain), mirroredCPU = median(weighed.mirrored)
say("")
say("ReplicaBench summary (one run, side by side)")
say("  failover, leader SIGKILL -> new leader takes the lease (TTL 15 s, \(failovers.count) kills): median \(f(median(failovers))) s, max \(f(failovers.max() ?? .nan)) s, min \(f(failovers.min() ?? .nan)) s")
say("  run CPU (user+sys), \(checks) checks at 1 s for \(runSeconds) s: without mirror \(f(plainCPU)) s, with mirror \(f(mirroredCPU)) s — overhead \(f((mirroredCPU / plainCPU - 1) * 100, 1)) %")
say("  mirror writes: median \(f(median(weighed.rowsPerSecond), 1)) rows/s (\(weighed.rows.map(String.init).joined(separator: ", ")) rows per run)")
