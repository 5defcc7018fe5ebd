import Foundation
import GameDayPOSIX
import Synchronization

/// A throwaway PostgreSQL 15 cluster for tests: `initdb` into a temporary directory owned by `postgres` (the server
/// refuses to run as root), started with `pg_ctl` on a free loopback port with its socket in that directory and
/// `-A trust`, stopped and removed at process exit (and, if a crashed run left one, by the next run's sweep).
///
/// One cluster serves the whole test process; each test makes its own database with `createDatabase()`.
public final class PostgresCluster: Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    static let prefix = "gameday-pg-"

    public let directory: String
    public let port: Int

    /// Whether this machine can run the cluster (root, to switch to the `postgres` user, and the binaries).
    public static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "\(binaries)/initdb")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/psql")
    }

    /// Why the PostgreSQL tests cannot run here, for the skip message.
    public static let unavailableReason = "PostgreSQL store tests need root (to run the server as the postgres user) and Debian's postgresql package (\(binaries)); install it with `make deps` and run as root"

    /// Whether a missing cluster must fail the tests rather than leave them out (CI sets it).
    public static var required: Bool { ProcessInfo.processInfo.environment["GAMEDAY_REQUIRE_ROOT_TESTS"] == "1" }

    private static let state = Mutex<Result<PostgresCluster, TestSupportError>?>(nil)

    /// The process's cluster, started on first use.
    public static func shared() throws -> PostgresCluster {
        let result: Result<PostgresCluster, TestSupportError> = state.withLock { current in
            if let current { return current }
            let result: Result<PostgresCluster, TestSupportError>
            do { result = .success(try PostgresCluster.start()) } catch let error as TestSupportError {
                result = .failure(error)
            } catch {
                result = .failure(TestSupportError("\(error)"))
            }
            current = result
            if case .success(let cluster) = result {
                Self.stopAtExit.withLock { $0 = cluster.directory }
                atexit { PostgresCluster.stopAtExitHandler() }
            }
            return result
        }
        return try result.get()
    }

    private static let stopAtExit = Mutex<String?>(nil)
    private static func stopAtExitHandler() {
        if let directory = stopAtExit.withLock({ $0 }) { remove(directory: directory) }
    }

    init(directory: String, port: Int) { self.directory = directory; self.port = port }

    /// Starts a new cluster (sweeping leftovers of crashed runs first).
    public static func start() throws -> PostgresCluster {
        guard available else { throw TestSupportError(unavailableReason) }
        sweep()
        let pattern = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(prefix)\(getpid())-XXXXXX").path
        var template = Array(pattern.utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestSupportError("mkdtemp(\(pattern)) failed: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: made)
        _ = try run(["/bin/chown", "postgres:postgres", directory])
        _ = try run(["/usr/sbin/runuser", "-u", "postgres", "--", "\(binaries)/initdb", "-D", "\(directory)/data", "-A", "trust",
                     "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"])
        let port = try freeLoopbackPort()
        let cluster = PostgresCluster(directory: directory, port: port)
        do { try cluster.startServer() } catch {
            remove(directory: directory)
            throw error
        }
        return cluster
    }

    /// Starts the server (again, after `stopServer`), waiting until it accepts connections.
    public func startServer() throws {
        _ = try Self.run(["/usr/sbin/runuser", "-u", "postgres", "--", "\(Self.binaries)/pg_ctl", "-D", "\(directory)/data",
                          "-l", "\(directory)/server.log", "-w", "-t", "30",
                          "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory) -c fsync=off -c max_connections=200",
                          "start"])
    }

    /// Stops the server at once (connections are cut), keeping the data.
    public func stopServer() throws {
        _ = try Self.run(["/usr/sbin/runuser", "-u", "postgres", "--", "\(Self.binaries)/pg_ctl", "-D", "\(directory)/data",
                          "-m", "immediate", "-w", "stop"])
    }

    /// Stops the server and removes the cluster (for a cluster a test started itself with `start()`).
    public func remove() { Self.remove(directory: directory) }

    /// A new, empty database; returns its name.
    public func createDatabase() throws -> String {
        let name = "t_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        _ = try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs `body` with the URL of a new, empty database, dropped afterwards (also when `body` throws).
    public func withDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        let database = try createDatabase()
        defer { _ = try? psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        return try await body(url(database: database))
    }

    /// Runs SQL with psql as the superuser; returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(["/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)",
                      "-U", "postgres", "-d", database, "-c", sql])
    }

    /// The store URL of `database` (no password: the cluster trusts loopback).
    public func url(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// Stops the server of a cluster directory and removes the directory.
    static func remove(directory: String) {
        _ = try? run(["/usr/sbin/runuser", "-u", "postgres", "--", "\(binaries)/pg_ctl", "-D", "\(directory)/data",
                      "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Removes clusters whose test process is gone (the pid is in the directory's name).
    static func sweep() {
        let temporary = NSTemporaryDirectory()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0 != "-" }), kill(pid, 0) != 0 else { continue }
            remove(directory: URL(fileURLWithPath: temporary).appendingPathComponent(name).path)
        }
    }

    /// Runs a command to its end (bounded: 60 s, then SIGKILL); its output, or an error with it. Output goes to a
    /// file, not a pipe: the server `pg_ctl` starts would otherwise hold a pipe open forever.
    @discardableResult
    static func run(_ argv: [String]) throws -> String {
        let outputPath = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("gameday-pg-output-\(getpid())-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let pid: pid_t
        do {
            pid = try Spawn.spawn(argv, .init(stdout: .appendFile(outputPath), stderr: .sameAsStdout, searchPath: false))
        } catch {
            throw TestSupportError("cannot start \(argv[0]): \(error)")
        }
        var status: Int32 = 0
        var exited = false
        for _ in 0..<600 {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { exited = true; break }
            if result < 0 && errno != EINTR { break }
            usleep(100_000)
        }
        if !exited {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            throw TestSupportError("\(argv.joined(separator: " ")) did not finish within 60 s")
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, written out (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestSupportError("\(argv.joined(separator: " ")) failed (wait status \(status)): \(text)")
        }
        return text
    }
}
