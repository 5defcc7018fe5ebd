// ProbeBench: the CPU cost of gameday's health probes.
//
// Runs 200 HTTP checks, then 200 Prometheus checks (when `prometheus` is installed), at a 1 s interval against a loopback HTTP server for DURATION seconds (default 60) and
// reports the probe side's CPU as a share of one core (getrusage of this process; the server runs in a child process,
// `ProbeBench --serve`, so it is not counted). Fails (exit 1) if any probe failed or too few probes ran.
//
//   ProbeBench [DURATION] [--checks N]
import Foundation
import GameDayCore
import GameDayProbes
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--serve" { LoopbackServer.serve() }

func usage(_ problem: String) -> Never {
    FileHandle.standardError.write(Data("ProbeBench: \(problem)\nusage: ProbeBench [DURATION_SECONDS] [--checks N]\n".utf8))
    exit(2)
}

var duration = 60
var checkCount = 200
var rest = arguments[...]
while let argument = rest.popFirst() {
    if argument == "--checks" {
        guard let value = rest.popFirst().flatMap(Int.init), value > 0 else { usage("--checks needs a positive number") }
        checkCount = value
    } else if let value = Int(argument), value > 0 {
        duration = value
    } else {
        usage("unknown argument \(argument)")
    }
}

/// Tallies samples from the probe thread.
final class Tally: Sendable {
    struct State {
        var samples = 0
        var failures = 0
        var errors: [String: Int] = [:]
        var perCheck: [String: Int] = [:]
        var latencies: [Double] = []
    }
    let state = Mutex(State())
    func add(_ sample: ProbeSample) {
        state.withLock { state in
            state.samples += 1
            state.perCheck[sample.check, default: 0] += 1
            if sample.ok {
                state.latencies.append(sample.ms ?? 0)
            } else {
                state.failures += 1
                state.errors[sample.error ?? "?", default: 0] += 1
            }
        }
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

// The server: this same executable with --serve, in its own process.
let server = Process()
server.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
server.arguments = ["--serve"]
let serverInput = Pipe()
let serverOutput = Pipe()
server.standardInput = serverInput
server.standardOutput = serverOutput
do { try server.run() } catch { usage("could not start the loopback server: \(error)") }
guard let portLine = String(data: serverOutput.fileHandleForReading.availableData, encoding: .utf8)?
    .trimmingCharacters(in: .whitespacesAndNewlines), let port = Int(portLine) else {
    server.terminate()
    usage("the loopback server did not report its port")
}

let checks = (0..<checkCount).map { index in
    HealthCheckSpec(name: "web-\(index)",
                    kind: .http(HTTPCheck(url: "http://127.0.0.1:\(port)/health/\(index)", expectStatus: [200], bodyContains: "ok")),
                    interval: .seconds(1), timeout: .seconds(2))
}
let tally = Tally()
let runner = ProbeRunner(logger: Logger(label: "gameday.probebench"))
let clock = ContinuousClock()
let cpuBefore = cpuSeconds()
let started = clock.now
let probes = Task { try await runner.run(checks: checks, sink: { tally.add($0) }) }
try await Task.sleep(for: .seconds(duration))
probes.cancel()
let outcome = await probes.result
let wall = clock.now - started
let cpu = cpuSeconds() - cpuBefore
try? serverInput.fileHandleForWriting.close()
server.waitUntilExit()

let state = tally.state.withLock { $0 }
let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
let share = cpu / wallSeconds * 100
let latencies = state.latencies.sorted()
func percentile(_ p: Double) -> Double {
    latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
}
let expected = checkCount * duration
print(String(format: "probes: %d checks x 1s for %ds: %d samples, %d failures, CPU %.1f%% of one core (goal < 15%%)",
             checkCount, duration, state.samples, state.failures, share))
print(String(format: "  probe latency p50 %.2f ms, p99 %.2f ms; fewest samples for one check: %d (expected about %d)",
             percentile(0.5), percentile(0.99), state.perCheck.values.min() ?? 0, duration))
for (error, count) in state.errors.sorted(by: { $0.value > $1.value }).prefix(5) {
    print("  \(count) x \(error)")
}
var ok = true
if case let .failure(error) = outcome { print("  runner failed: \(error)"); ok = false }
if state.failures > 0 { print("  FAIL: some probes failed"); ok = false }
if state.samples < expected * 9 / 10 || state.perCheck.count < checkCount {
    print("  FAIL: expected about \(expected) samples from \(checkCount) checks"); ok = false
}
if share >= 15 { print("  FAIL: CPU above the 15% goal"); ok = false }

// Side by side: the same number of Prometheus checks at 1 s against a real Prometheus (Debian's `prometheus`, started
// here on a free loopback port with a temporary data directory, not counted in our CPU).
if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") {
    ok = try await prometheusRun(checkCount: checkCount, duration: duration) && ok
} else {
    print("prometheus checks: skipped (prometheus is not installed; `make deps` installs it)")
}
exit(ok ? 0 : 1)

func prometheusRun(checkCount: Int, duration: Int) async throws -> Bool {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gameday-probebench-prom-\(getpid())").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try "global: { scrape_interval: 15s }\n".write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
    // A free port: bind 0, read it, release it.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    close(fd)
    let port = Int(UInt16(bigEndian: address.sin_port))
    let prometheus = Process()
    prometheus.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
    prometheus.arguments = ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"]
    prometheus.standardOutput = FileHandle.nullDevice
    prometheus.standardError = FileHandle.nullDevice
    try prometheus.run()
    defer { kill(prometheus.processIdentifier, SIGKILL); prometheus.waitUntilExit() }
    try await Task.sleep(for: .seconds(2))
    let checks = (0..<checkCount).map { index in
        HealthCheckSpec(name: "prom-\(index)",
                        kind: .prometheus(PrometheusCheck(url: "http://127.0.0.1:\(port)", query: "vector(\(index))", healthyBelow: 1e9)),
                        interval: .seconds(1), timeout: .seconds(2))
    }
    let tally = Tally()
    let runner = ProbeRunner(logger: Logger(label: "gameday.probebench"))
    let cpuBefore = cpuSeconds()
    let started = ContinuousClock.now
    let probes = Task { try await runner.run(checks: checks, sink: { tally.add($0) }) }
    try await Task.sleep(for: .seconds(duration))
    probes.cancel()
    _ = await probes.result
    let wall = ContinuousClock.now - started
    let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
    let share = (cpuSeconds() - cpuBefore) / wallSeconds * 100
    let state = tally.state.withLock { $0 }
    print(String(format: "prometheus checks: %d checks x 1s for %ds against a real Prometheus: %d samples, %d failures, CPU %.1f%% of one core (goal < 15%%)",
                 checkCount, duration, state.samples, state.failures, share))
    for (error, count) in state.errors.sorted(by: { $0.value > $1.value }).prefix(3) { print("  \(count) x \(error)") }
    var ok = true
    if state.failures > 0 { print("  FAIL: some Prometheus checks failed"); ok = false }
    if state.samples < checkCount * duration * 9 / 10 { print("  FAIL: expected about \(checkCount * duration) samples"); ok = false }
    if share >= 15 { print("  FAIL: CPU above the 15% goal"); ok = false }
    return ok
}
