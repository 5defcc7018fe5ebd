import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import Synchronization
import Testing

/// Whether host integration tests can run: they need root (namespaces, sshd, nftables).
///
/// Not root: the tests are skipped with a clear message, unless GAMEDAY_REQUIRE_ROOT_TESTS=1, in which case they
/// run and fail at once (CI must never pass by skipping).
enum HostTestGate {
    static let isRoot = getuid() == 0
    static let rootRequired = ProcessInfo.processInfo.environment["GAMEDAY_REQUIRE_ROOT_TESTS"] == "1"
    static let enabled = isRoot || rootRequired
    static let skipMessage: Comment = "host integration tests need root (network namespaces, sshd, nftables); run as root, e.g. sudo swift test --filter HostIntegrationTests"

    static func requireRoot() throws {
        guard isRoot else {
            Issue.record("GAMEDAY_REQUIRE_ROOT_TESTS=1 but not running as root: host integration tests cannot run")
            throw FleetError("not root")
        }
    }
}

struct FleetError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A namespaced test fleet made by scripts/testbed/fleet.sh: a controller namespace and hosts h1...hN in zones a
/// and b, each with sshd and an HTTP service. Every test makes its own fleet (with a unique name prefix) and
/// removes it at the end, also when the test fails; `fleet.sh sweep` first removes leftovers of crashed runs.
final class TestFleet: Sendable {
    struct Host: Sendable {
        var name: String
        var address: String
        var zone: String
    }

    let prefix: String
    let directory: String
    let hosts: [Host]
    let script: String

    var controller: String { "\(prefix)-ctl" }
    var controllerPrefix: [String] { ["ip", "netns", "exec", controller] }
    var runID: String { "\(prefix)-test" }

    private static let counter = Counter()
    /// Pools made by `pool()`, closed by `destroy()` so no master connection or control directory outlives a test.
    private let pools = Mutex<[SSHExecutorPool]>([])

    private init(prefix: String, directory: String, hosts: [Host], script: String) {
        self.prefix = prefix; self.directory = directory; self.hosts = hosts; self.script = script
    }

    /// Builds a fleet, runs `body`, and removes the fleet whatever happens.
    static func with<T>(hosts count: Int = 4, iperf: Bool = false, _ body: (TestFleet) async throws -> T) async throws -> T {
        try HostTestGate.requireRoot()
        let script = try scriptPath()
        _ = try await RemoteProcess.run([script, "sweep"], timeout: .seconds(60))
        // gdh<pid>x<n>: the sweep removes fleets whose process is gone; n keeps this process's fleets apart.
        let prefix = "gdh\(getpid())x\(counter.next())"
        let directory = "/tmp/\(prefix)"
        var argv = [script, "up", prefix, directory, String(count)]
        if iperf { argv.append("--iperf") }
        let up = try await RemoteProcess.run(argv, timeout: .seconds(120))
        guard up.result.exitCode == 0 else {
            _ = try? await RemoteProcess.run([script, "down", prefix, directory], timeout: .seconds(60))
            throw FleetError("fleet.sh up failed (exit \(up.result.exitCode)): \(up.result.stderr)")
        }
        let table = (try? String(contentsOfFile: directory + "/hosts.tsv", encoding: .utf8)) ?? ""
        let hosts = table.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t").map(String.init)
            return Host(name: fields[0], address: fields[1], zone: fields[2])
        }
        let fleet = TestFleet(prefix: prefix, directory: directory, hosts: hosts, script: script)
        do {
            let value = try await body(fleet)
            await fleet.destroy()
            return value
        } catch {
            await fleet.destroy()
            throw error
        }
    }

    func destroy() async {
        for pool in pools.withLock({ $0 }) { await pool.close() }
        _ = try? await RemoteProcess.run([script, "down", prefix, directory], timeout: .seconds(60))
    }

    /// scripts/testbed/fleet.sh, found from this source file's location.
    static func scriptPath() throws -> String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.appendingPathComponent("scripts/testbed/fleet.sh").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw FleetError("missing \(path)") }
        return path
    }

    var access: SSHAccess {
        SSHAccess(user: "root", port: 2222, identity: directory + "/id_ed25519", knownHosts: directory + "/known_hosts")
    }

    func host(_ name: String) -> Host { hosts.first { $0.name == name }! }

    /// Every host as a plan's `targets:` entries (ssh with the fleet's key, zone tag, service by pid file), for
    /// tests that write a plan and run `gameday` against the fleet.
    var targetsYAML: String {
        hosts.map { host in
            """
              - name: \(host.name)
                address: \(host.address)
                tags: { zone: \(host.zone) }
                access: { ssh: { user: root, port: 2222, identity: \(directory)/id_ed25519, knownHosts: \(directory)/known_hosts } }
                process: { pidFile: \(directory)/\(host.name)/service.pid }

            """
        }.joined()
    }

    /// The inventory entry of a host: ssh access with the fleet's key, its service by pid file.
    func target(_ name: String, pattern: Bool = false) -> Target {
        let host = host(name)
        let process = pattern
            ? ProcessSelector(pattern: "http.server 8080 --bind \(host.address) ")
            : ProcessSelector(pidFile: "\(directory)/\(name)/service.pid")
        return Target(name: name, address: host.address, tags: ["zone": host.zone], access: .ssh(access), process: process)
    }

    func targets(zone: String) -> [Target] { hosts.filter { $0.zone == zone }.map { target($0.name) } }

    func pool(retry: BackoffPolicy = BackoffPolicy(maxAttempts: 3, base: .milliseconds(200), cap: .seconds(1)),
              connectTimeout: TimeSpan = .seconds(5)) throws -> SSHExecutorPool {
        let pool = try SSHExecutorPool(configuration: .init(retry: retry, connectTimeout: connectTimeout, argvPrefix: controllerPrefix, seed: 42))
        pools.withLock { $0.append(pool) }
        return pool
    }

    /// Runs a command inside a namespace of this fleet (`ctl`, `h1`, ...).
    func run(in namespace: String, _ argv: [String], timeout: TimeSpan = .seconds(30)) async throws -> CommandResult {
        try await RemoteProcess.run(["ip", "netns", "exec", "\(prefix)-\(namespace)"] + argv, timeout: timeout).result
    }

    /// Whether an HTTP request from `namespace` to `host`'s service succeeds within 2 s.
    func serviceAnswers(from namespace: String, to host: String) async throws -> Bool {
        let result = try await run(in: namespace, ["curl", "-s", "-o", "/dev/null", "-m", "2", "-w", "%{http_code}",
                                                   "http://\(self.host(host).address):8080/health"], timeout: .seconds(20))
        return result.exitCode == 0 && result.stdout == "200"
    }

    /// The nftables tables present in a host's namespace.
    func tables(on host: String) async throws -> String {
        try await run(in: host, ["nft", "list", "tables"]).stdout
    }

    /// A scheduled step as the engine would hand it to an injector.
    func step(_ name: String, index: Int = 0, fault: Fault, targets: [Target], duration: TimeSpan) -> ScheduledStep {
        ScheduledStep(index: index, name: name, fault: fault, targets: targets, injectAt: .seconds(10), revertAt: .seconds(10) + duration)
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
