import Foundation

/// A business-hours window for scheduler tests that is open now: in some zone where it covers the last five minutes
/// and the next `seconds` without crossing midnight. `start`/`end` are `HH:MM:SS` local times of `zone`.
public func businessWindowAroundNow(seconds: Int) -> (zone: String, start: String, end: String) {
    let now = Date()
    for name in ["UTC", "Asia/Tokyo", "America/New_York"] {
        guard let zone = TimeZone(identifier: name) else { continue }
        let local = Int(now.timeIntervalSince1970) + zone.secondsFromGMT(for: now)
        let sod = ((local % 86_400) + 86_400) % 86_400
        if sod > 400 && sod + seconds + 60 < 86_400 {
            func time(_ s: Int) -> String { String(format: "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) }
            return (name, time(sod - 300), time(sod + seconds))
        }
    }
    preconditionFailure("no zone without midnight in the next \(seconds) s")
}

/// Scheduler replicas for tests: real `gameday schedule run` processes sharing one database of a throwaway
/// PostgreSQL (the process's shared cluster unless one is given), with one scenario plan and one configuration per
/// replica in a temporary folder. `remove()` ends everything it started — the replicas (SIGCONT, SIGTERM, then
/// SIGKILL), any `gameday run` a replica started for this folder and left behind, the database and the folder —
/// and is safe to call from a `defer` after a failed expectation.
///
/// `@unchecked Sendable`: `replicas` is only changed by `start`, from the test's own task, before anything reads it.
public final class ScheduleReplicas: @unchecked Sendable {
    public let cluster: PostgresCluster
    public let database: String
    public let folder: URL
    public let gameday: String
    public private(set) var replicas: [ChildProcess] = []

    /// A plan (scenario `touch`) whose command fault could not be applied anyway, for replicas configured
    /// `leashed: true`: they decide and record, and never inject.
    public static let leashedPlan = """
        version: 1
        name: touch
        description: A command fault (the replicas run leashed, so it is never applied).
        environment: staging
        timeline: { baseline: 0s, recovery: 0s }
        steps:
          - { name: touch, at: 0s, duration: 5s, fault: command, with: { inject: [touch, /nonexistent/x], revert: [rm, -f, /nonexistent/x] } }
        """

    /// The store URL the replicas share.
    public var url: String { cluster.url(database: database) }

    public init(cluster: PostgresCluster? = nil, gameday: String? = nil) throws {
        self.gameday = try gameday ?? GameDayExecutable.require()
        self.cluster = try cluster ?? PostgresCluster.shared()
        database = try self.cluster.createDatabase()
        folder = URL(fileURLWithPath: try temporaryDirectory("replicas"))
    }

    /// A path in the fixture's folder.
    public func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Writes `plan` as `<scenario>.yaml` and a configuration per replica (one scenario, every day a workday, a
    /// window open now for `window` more seconds, the shared store, `leaseTTL`, then `extra` lines), and starts
    /// `count` replicas, logging at info to `replica-N.log`. With `runsDirPerReplica` each replica keeps its runs
    /// in its own `runs-N` (as on separate machines); otherwise they share the default.
    public func start(scenario: String, plan: String, window: Int, count: Int = 3, leaseTTL: String = "2s",
                      extra: [String] = [], runsDirPerReplica: Bool = false) throws {
        try plan.write(toFile: path("\(scenario).yaml"), atomically: true, encoding: .utf8)
        let hours = businessWindowAroundNow(seconds: window)
        for index in 0..<count {
            var lines = [
                "version: 1",
                "timeZone: \(hours.zone)",
                "workdays: [mon, tue, wed, thu, fri, sat, sun]",
                "hours: { start: \"\(hours.start)\", end: \"\(hours.end)\" }",
                "scenarios:",
                "  - { plan: \(scenario).yaml, meanDaysBetweenRuns: 1 }",
                "store: \(url)",
                "leaseTTL: \(leaseTTL)",
            ]
            if runsDirPerReplica { lines.append("runsDir: \(path("runs-\(index)"))") }
            lines += extra
            let config = path(runsDirPerReplica ? "schedule-\(index).yaml" : "schedule.yaml")
            try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
            try spawnReplica(config: config)
        }
    }

    /// Starts one more replica with `config` (the shared configuration by default), logging to `replica-N.log`.
    @discardableResult
    public func spawnReplica(config: String? = nil) throws -> ChildProcess {
        let replica = try ChildProcess(gameday, ["schedule", "run", "--config", config ?? self.config(), "--log-level", "info"],
                                       log: path("replica-\(replicas.count).log"))
        replicas.append(replica)
        return replica
    }

    /// The configuration replica `index` runs with.
    public func config(_ index: Int = 0) -> String {
        FileManager.default.fileExists(atPath: path("schedule.yaml")) ? path("schedule.yaml") : path("schedule-\(index).yaml")
    }

    /// The replica process with `pid`, if the fixture started it.
    public func replica(pid: Int32) -> ChildProcess? { replicas.first { $0.pid == pid } }

    /// Every replica's log, for failure messages.
    public var logs: String {
        replicas.enumerated().map { "--- replica \($0.offset) (pid \($0.element.pid)):\n\($0.element.log)" }.joined(separator: "\n")
    }

    /// Runs SQL on the replicas' database (unaligned, tuples only, trimmed).
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        try cluster.psql(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The leading replica's pid and the lease's token, by the database (nil while no live lease is held).
    public func leader() throws -> (pid: Int32, token: Int64)? {
        let row = try psql("SELECT r.pid, l.token FROM leader_lease l JOIN replica r ON r.id = l.holder WHERE l.expires_at > clock_timestamp()")
        let fields = row.split(separator: "|")
        guard fields.count == 2, let pid = Int32(fields[0]), let token = Int64(fields[1]) else { return nil }
        return (pid, token)
    }

    /// Ends everything the fixture started and removes its database and folder.
    public func remove() {
        for replica in replicas {
            kill(replica.pid, SIGCONT)
            replica.stop(grace: 10)
        }
        // A run the replicas started and a SIGKILLed leader left behind: its pid is recorded with the decision, and it
        // is only killed if its command line names this fixture's folder (a gameday run of our plan).
        if let text = try? psql("SELECT pid FROM decision WHERE pid IS NOT NULL") {
            for pid in text.split(separator: "\n").compactMap({ Int32($0.trimmingCharacters(in: .whitespaces)) })
                where ChildProcess.commandLine(of: pid).contains(folder.path) {
                kill(pid, SIGKILL)
            }
        }
        _ = try? cluster.psql("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try? FileManager.default.removeItem(at: folder)
    }
}
