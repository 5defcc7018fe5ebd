import Foundation
import GameDayCore
import GRDB
import GameDayCalendar

/// The scheduler's durable state in SQLite: planned days, decisions and their outcomes, skip reasons, the pause
/// switch and the seed.
///
/// Every transition that matters for "never start twice" is a conditional update inside a transaction
/// (`planned` -> `starting` only succeeds once), committed before the caller acts on it. Several processes may use
/// the file at once (the daemon, `pause`, `history`): writers wait on SQLite's lock for a bounded time.
public struct ScheduleStore: ScheduleStoring {
    let queue: DatabaseQueue
    public let path: String
    public var location: String { path }

    /// Opens (creating if needed) and migrates the state file.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "gameday-schedule"
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ScheduleStoreError(message: "cannot open the scheduler state \(path): \(error). Check that the file is a gameday scheduler state (SQLite) and writable.")
        }
        let superseded: Bool
        do {
            superseded = try queue.read { try Self.migrator.hasBeenSuperseded($0) }
        } catch {
            throw ScheduleStoreError(message: "cannot open the scheduler state \(path): \(error). Check that the file is a gameday scheduler state (SQLite) and writable.")
        }
        if superseded {
            throw ScheduleStoreError(message: "the scheduler state \(path) was written by a newer gameday (its schema has migrations this binary does not know); upgrade gameday rather than downgrade the state")
        }
        do {
            try Self.migrator.migrate(queue)
        } catch {
            throw ScheduleStoreError(message: "cannot open the scheduler state \(path): \(error). Check that the file is a gameday scheduler state (SQLite) and writable.")
        }
    }

    /// How many of the versioned migrations (`v1`, ...) the file has.
    public func schemaVersion() throws -> Int {
        try queue.read { try Self.migrator.appliedIdentifiers($0).count }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "day") { t in
                t.primaryKey("day", .text)
                t.column("status", .text).notNull()
                t.column("reason", .text)
                t.column("windowStart", .double)
                t.column("windowEnd", .double)
                t.column("plannedAt", .double).notNull()
            }
            try db.create(table: "decision") { t in
                t.primaryKey("id", .text)
                t.column("day", .text).notNull().indexed()
                t.column("scenario", .text).notNull()
                t.column("plan", .text).notNull()
                t.column("seed", .integer).notNull()
                t.column("startAt", .double).notNull()
                t.column("plannedDurationMs", .integer).notNull()
                t.column("abortAt", .double).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("reason", .text)
                t.column("detail", .text)
                t.column("runsDir", .text)
                t.column("runDir", .text)
                t.column("pid", .integer)
                t.column("exitCode", .integer)
                t.column("startedAt", .double)
                t.column("endedAt", .double)
                t.column("updatedAt", .double).notNull()
            }
            try db.create(table: "pause") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("paused", .boolean).notNull()
                t.column("reason", .text)
                t.column("changedAt", .double).notNull()
            }
        }
        return migrator
    }

    /// Records a migration this binary does not know, as a newer gameday would leave it (for tests).
    func recordForeignMigration(_ identifier: String) throws {
        try queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations(identifier) VALUES (?)", arguments: [identifier]) }
    }

    // MARK: seed

    /// The stored seed, or `candidate` stored now if there is none.
    public func seed(orStore candidate: UInt64) throws -> UInt64 {
        try queue.write { db in
            if let text = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'seed'"), let value = UInt64(text) {
                return value
            }
            try db.execute(sql: "INSERT INTO meta(key, value) VALUES('seed', ?)", arguments: [String(candidate)])
            return candidate
        }
    }

    /// The stored seed, if the daemon has picked one.
    public func storedSeed() throws -> UInt64? {
        try queue.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'seed'").flatMap(UInt64.init)
        }
    }

    // MARK: days and decisions

    /// Whether the day's plan has been recorded.
    public func isPlanned(day: CivilDate) throws -> Bool {
        try queue.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM day WHERE day = ?", arguments: [day.description]) ?? false
        }
    }

    /// Records a day's plan once: the day and every decision (runs as `planned`, the rest as `skipped`).
    /// A second call for the same day changes nothing, so a restart never re-decides a day.
    @discardableResult
    public func savePlan(_ plan: DayPlan, now: Date) throws -> Bool {
        try queue.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM day WHERE day = ?", arguments: [plan.day.description]) ?? false {
                return false
            }
            let window = plan.status.window
            var reason: String?
            if case .excluded(let exclusion) = plan.status { reason = exclusion.description }
            try db.execute(sql: """
                INSERT INTO day(day, status, reason, windowStart, windowEnd, plannedAt) VALUES(?, ?, ?, ?, ?, ?)
                """, arguments: [plan.day.description, window == nil ? "excluded" : "eligible", reason,
                                 window?.start.timeIntervalSince1970, window?.end.timeIntervalSince1970,
                                 now.timeIntervalSince1970])
            for decision in plan.decisions {
                var status = DecisionStatus.planned
                var skipReason: String?, detail: String?
                if case .skip(let why, let text) = decision.disposition {
                    status = .skipped; skipReason = why.rawValue; detail = text
                }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO decision(id, day, scenario, plan, seed, startAt, plannedDurationMs, abortAt,
                        status, reason, detail, updatedAt)
                    VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [decision.id, decision.day.description, decision.scenario, decision.plan,
                                     Int64(bitPattern: decision.seed), decision.startAt.timeIntervalSince1970,
                                     decision.plannedDuration.milliseconds, decision.abortAt.timeIntervalSince1970,
                                     status.rawValue, skipReason, detail, now.timeIntervalSince1970])
            }
            return true
        }
    }

    /// A day's decisions, by start time.
    public func decisions(day: CivilDate) throws -> [DecisionRecord] {
        try queue.read { db in
            try DecisionRecord.fetchAll(db, sql: "SELECT * FROM decision WHERE day = ? ORDER BY startAt, id",
                                        arguments: [day.description])
        }
    }

    /// One decision by id.
    public func decision(id: String) throws -> DecisionRecord? {
        try queue.read { db in try DecisionRecord.fetchOne(db, sql: "SELECT * FROM decision WHERE id = ?", arguments: [id]) }
    }

    /// Decisions a previous daemon left `starting` or `running`.
    public func unresolved() throws -> [DecisionRecord] {
        try queue.read { db in
            try DecisionRecord.fetchAll(db, sql: "SELECT * FROM decision WHERE status IN ('starting', 'running') ORDER BY startAt")
        }
    }

    /// The most recent decisions first.
    public func history(limit: Int = 100) throws -> [DecisionRecord] {
        try queue.read { db in
            try DecisionRecord.fetchAll(db, sql: "SELECT * FROM decision ORDER BY startAt DESC, id DESC LIMIT ?",
                                        arguments: [max(1, limit)])
        }
    }

    /// The last day each scenario ran (a started run, or a leashed one: leashed mode keeps the same rhythm).
    public func lastRuns() throws -> [String: CivilDate] {
        try queue.read { db in
            let started = DecisionStatus.allCases.filter { $0.started || $0 == .leashed }.map(\.rawValue)
            let placeholders = started.map { _ in "?" }.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: """
                SELECT scenario, MAX(day) AS day FROM decision WHERE status IN (\(placeholders)) GROUP BY scenario
                """, arguments: StatementArguments(started))
            var out: [String: CivilDate] = [:]
            for row in rows {
                if let scenario: String = row["scenario"], let day: String = row["day"], let date = CivilDate(parsing: day) {
                    out[scenario] = date
                }
            }
            return out
        }
    }

    /// `planned` -> `skipped`. False if the decision was no longer planned.
    @discardableResult
    public func markSkipped(id: String, reason: SkipReason, detail: String, now: Date) throws -> Bool {
        try transition(id: id, from: [.planned], to: .skipped, now: now,
                       set: ["reason": reason.rawValue, "detail": detail])
    }

    /// `planned` -> `leashed`.
    @discardableResult
    public func markLeashed(id: String, now: Date) throws -> Bool {
        try transition(id: id, from: [.planned], to: .leashed, now: now,
                       set: ["detail": "leashed: decided to start now; nothing was injected"])
    }

    /// `planned` -> `starting`, durably, before the run is spawned. False if it was no longer planned: the caller
    /// must then not spawn (this is the "never twice" guarantee).
    public func markStarting(id: String, runsDir: String, now: Date) throws -> Bool {
        try transition(id: id, from: [.planned], to: .starting, now: now,
                       set: ["runsDir": runsDir, "startedAt": now.timeIntervalSince1970])
    }

    /// `starting` -> `running` with the child's pid (so a restarted daemon can stop a run it finds still going).
    @discardableResult
    public func markRunning(id: String, pid: Int32, now: Date) throws -> Bool {
        try transition(id: id, from: [.starting], to: .running, now: now, set: ["pid": Int64(pid)])
    }

    /// `starting`/`running` -> a final status.
    @discardableResult
    public func markFinished(id: String, status: DecisionStatus, reason: String? = nil, detail: String?,
                             exitCode: Int32?, runDir: String?, now: Date) throws -> Bool {
        var set: [String: DatabaseValueConvertible?] = ["detail": detail, "endedAt": now.timeIntervalSince1970]
        if let reason { set["reason"] = reason }
        if let exitCode { set["exitCode"] = Int64(exitCode) }
        if let runDir { set["runDir"] = runDir }
        return try transition(id: id, from: [.starting, .running], to: status, now: now, set: set)
    }

    private func transition(id: String, from: [DecisionStatus], to: DecisionStatus, now: Date,
                            set: [String: DatabaseValueConvertible?]) throws -> Bool {
        try queue.write { db in
            let columns = set.keys.sorted()
            var assignments = ["status = ?", "updatedAt = ?"]
            var arguments: [DatabaseValueConvertible?] = [to.rawValue, now.timeIntervalSince1970]
            for column in columns {
                assignments.append("\(column) = ?")
                arguments.append(set[column] ?? nil)
            }
            arguments.append(id)
            arguments.append(contentsOf: from.map(\.rawValue) as [DatabaseValueConvertible?])
            let placeholders = from.map { _ in "?" }.joined(separator: ", ")
            try db.execute(sql: "UPDATE decision SET \(assignments.joined(separator: ", ")) WHERE id = ? AND status IN (\(placeholders))",
                           arguments: StatementArguments(arguments))
            return db.changesCount == 1
        }
    }

    // MARK: leadership

    /// A SQLite state has one daemon (the daemon lock makes sure), so it always leads, with token 1.
    public func campaign(replica: ReplicaIdentity, ttl: TimeSpan) throws -> LeaseStatus {
        LeaseStatus(holder: replica.id, token: 1, leading: true, remaining: ttl)
    }

    public func resign(replica: ReplicaIdentity) throws {}

    /// One daemon per file: no replicas to show.
    public func clusterStatus() throws -> ClusterStatus {
        ClusterStatus(backend: "sqlite", replicas: [], leader: nil, token: 1, leaseAge: nil, leaseRemaining: nil)
    }

    // MARK: pause

    /// The pause reason while paused (empty if none was given), nil when running normally.
    public func pausedReason() throws -> String? {
        try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT paused, reason FROM pause WHERE id = 1") else { return nil }
            let paused: Bool = row["paused"]
            return paused ? ((row["reason"] as String?) ?? "") : nil
        }
    }

    /// Pauses (nothing starts) or resumes, with an optional reason.
    public func setPaused(_ paused: Bool, reason: String?, now: Date) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO pause(id, paused, reason, changedAt) VALUES(1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET paused = excluded.paused, reason = excluded.reason, changedAt = excluded.changedAt
                """, arguments: [paused, reason, now.timeIntervalSince1970])
        }
    }
}

/// A stored decision.
public struct DecisionRecord: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var day: CivilDate
    public var scenario: String
    public var plan: String
    public var seed: UInt64
    public var startAt: Date
    public var plannedDuration: TimeSpan
    public var abortAt: Date
    public var status: DecisionStatus
    public var reason: String?
    public var detail: String?
    /// The folder passed to `gameday run --runs-dir` (unique per decision).
    public var runsDir: String?
    /// The run directory inside it, once known.
    public var runDir: String?
    public var pid: Int32?
    public var exitCode: Int32?
    public var startedAt: Date?
    public var endedAt: Date?

    public init(row: Row) throws {
        id = row["id"]
        let dayText: String = row["day"]
        day = CivilDate(parsing: dayText) ?? CivilDate(ordinal: 0)
        scenario = row["scenario"]
        plan = row["plan"]
        seed = UInt64(bitPattern: row["seed"] as Int64)
        startAt = Date(timeIntervalSince1970: row["startAt"])
        plannedDuration = .milliseconds(row["plannedDurationMs"])
        abortAt = Date(timeIntervalSince1970: row["abortAt"])
        let statusText: String = row["status"]
        status = DecisionStatus(rawValue: statusText) ?? .failed
        reason = row["reason"]
        detail = row["detail"]
        runsDir = row["runsDir"]
        runDir = row["runDir"]
        pid = (row["pid"] as Int64?).map { Int32(truncatingIfNeeded: $0) }
        exitCode = (row["exitCode"] as Int64?).map { Int32(truncatingIfNeeded: $0) }
        startedAt = (row["startedAt"] as Double?).map(Date.init(timeIntervalSince1970:))
        endedAt = (row["endedAt"] as Double?).map(Date.init(timeIntervalSince1970:))
    }

    public var snapshot: DecisionSnapshot {
        DecisionSnapshot(id: id, status: status, startAt: startAt, plannedDuration: plannedDuration, abortAt: abortAt)
    }

    /// The postmortem of the run, once its run directory is known.
    public var postmortem: String? { runDir.map { URL(fileURLWithPath: $0).appendingPathComponent("postmortem.md").path } }
}

