import Foundation
import GameDayCore
import GameDayCalendar
import Logging
import PostgresNIO
import Synchronization

/// The scheduler's state in PostgreSQL, shared by any number of replicas of which one leads.
///
/// Leadership is a lease row with a fencing token that only grows; every write only a leader may make (planning a
/// day, every decision transition) carries the token this replica last won, and a trigger in the database rejects it
/// unless it is the lease's current token and the lease has not expired (SQLSTATE `GD001`, surfaced as
/// `StaleFencingTokenError`). The trigger takes the lease row `FOR SHARE`, so a takeover waits for a write in flight
/// and every fenced write is ordered before or after the change of leader, never across it. Times of the lease come
/// from the database's clock, so replicas' clocks need not agree.
///
/// Open it with `withStore`, which runs the connection pool for the body's lifetime and applies the versioned
/// migrations first (refusing a database whose schema is newer than this binary knows).
public final class PostgresScheduleStore: ScheduleStoring {
    /// The schema this binary writes; `migrations[i]` brings the database from version i to i + 1.
    public static var knownSchemaVersion: Int { migrations.count }

    let client: PostgresClient
    let logger: Logger
    public let postgres: PostgresLocation
    /// How long one store operation may take before it fails (the database unreachable).
    let operationTimeout: Duration
    /// The fencing token this replica won last; nil when it does not lead.
    let fence = Mutex<Int64?>(nil)

    public var location: String { postgres.description }

    init(client: PostgresClient, location: PostgresLocation, logger: Logger, operationTimeout: Duration) {
        self.client = client; self.postgres = location; self.logger = logger; self.operationTimeout = operationTimeout
    }

    /// Opens the store, migrates it, and runs `body` with it; the connections close when `body` returns.
    public static func withStore<Result: Sendable>(
        _ location: PostgresLocation, logger: Logger, operationTimeout: Duration = .seconds(10),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        _ body: @Sendable (PostgresScheduleStore) async throws -> Result
    ) async throws -> Result {
        let password = try location.password(environment: environment)
        let tls: PostgresClient.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: location.host, port: location.port, username: location.user,
                                                         password: password, database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 4
        // The pool's own chatter (each failed connection attempt) only from warnings up.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: background)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let store = PostgresScheduleStore(client: client, location: location, logger: logger, operationTimeout: operationTimeout)
            try await store.migrate()
            return try await body(store)
        }
    }

    // MARK: migrations

    /// Versioned migrations, in order; each list of statements runs in one transaction with the version row.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE leader_lease (id integer PRIMARY KEY CHECK (id = 1), token bigint NOT NULL, holder text NOT NULL,
                acquired_at timestamptz NOT NULL, renewed_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)
            """,
            "INSERT INTO leader_lease VALUES (1, 0, '', '-infinity', '-infinity', '-infinity')",
            """
            CREATE TABLE leader_history (token bigint PRIMARY KEY, holder text NOT NULL, acquired_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE replica (id text PRIMARY KEY, host text NOT NULL, pid bigint NOT NULL, started_at timestamptz NOT NULL,
                seen_at timestamptz NOT NULL)
            """,
            """
            CREATE TABLE day (day text PRIMARY KEY, status text NOT NULL, reason text, window_start double precision,
                window_end double precision, planned_at double precision NOT NULL, fence bigint)
            """,
            """
            CREATE TABLE decision (id text PRIMARY KEY, day text NOT NULL, scenario text NOT NULL, plan text NOT NULL,
                seed bigint NOT NULL, start_at double precision NOT NULL, planned_duration_ms bigint NOT NULL,
                abort_at double precision NOT NULL, status text NOT NULL, reason text, detail text, runs_dir text,
                run_dir text, pid bigint, exit_code bigint, started_at double precision, ended_at double precision,
                updated_at double precision NOT NULL, fence bigint)
            """,
            "CREATE INDEX decision_day ON decision (day)",
            "CREATE INDEX decision_status ON decision (status)",
            """
            CREATE TABLE pause (id integer PRIMARY KEY CHECK (id = 1), paused boolean NOT NULL, reason text,
                changed_at double precision NOT NULL)
            """,
            """
            CREATE FUNCTION gameday_check_fence() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                current_token bigint;
                current_expiry timestamptz;
            BEGIN
                SELECT token, expires_at INTO current_token, current_expiry FROM leader_lease WHERE id = 1 FOR SHARE;
                IF NEW.fence IS NULL OR NEW.fence <> current_token OR current_expiry <= clock_timestamp() THEN
                    RAISE EXCEPTION 'stale fencing token % (the lease is at token %, expiring %)',
                        coalesce(NEW.fence::text, 'none'), current_token, current_expiry USING ERRCODE = 'GD001';
                END IF;
                RETURN NEW;
            END
            $$
            """,
            "CREATE TRIGGER day_fenced BEFORE INSERT OR UPDATE ON day FOR EACH ROW EXECUTE FUNCTION gameday_check_fence()",
            "CREATE TRIGGER decision_fenced BEFORE INSERT OR UPDATE ON decision FOR EACH ROW EXECUTE FUNCTION gameday_check_fence()",
        ],
        // 2: the journal mirror of scheduled runs (JournalMirror), fenced like every leader's write.
        [
            """
            CREATE TABLE journal_event (decision text NOT NULL, seq bigint NOT NULL, type text NOT NULL, wall bigint NOT NULL,
                line text NOT NULL, host text NOT NULL, fence bigint, committed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                PRIMARY KEY (decision, seq))
            """,
            "CREATE TRIGGER journal_event_fenced BEFORE INSERT OR UPDATE ON journal_event FOR EACH ROW EXECUTE FUNCTION gameday_check_fence()",
        ],
    ]

    /// Applies the migrations this database lacks, under an advisory lock so replicas starting together do not race;
    /// refuses a database whose schema is newer than this binary's.
    func migrate() async throws {
        let known = Self.knownSchemaVersion
        try await run("migrate the schema") { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(7261626)", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS gameday_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())
                    """, logger: logger)
                var current = 0
                for try await version in try await connection.query("SELECT coalesce(max(version), 0) FROM gameday_schema", logger: logger).decode(Int.self) {
                    current = version
                }
                if current > known {
                    throw ScheduleStoreError(message: "the database's scheduler schema is version \(current), newer than this gameday knows (\(known)); upgrade gameday on this replica rather than run an older one against it")
                }
                for version in current..<known {
                    for statement in Self.migrations[version] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO gameday_schema (version) VALUES (\(version + 1))", logger: logger)
                }
            }
        }
    }

    public func schemaVersion() async throws -> Int {
        try await run("read the schema version") { client, logger in
            var version = 0
            for try await value in try await client.query("SELECT coalesce(max(version), 0) FROM gameday_schema", logger: logger).decode(Int.self) {
                version = value
            }
            return version
        }
    }

    // MARK: seed

    public func seed(orStore candidate: UInt64) async throws -> UInt64 {
        try await run("store the seed") { client, logger in
            try await client.query("INSERT INTO meta (key, value) VALUES ('seed', \(String(candidate))) ON CONFLICT (key) DO NOTHING", logger: logger)
            var stored: UInt64?
            for try await text in try await client.query("SELECT value FROM meta WHERE key = 'seed'", logger: logger).decode(String.self) {
                stored = UInt64(text)
            }
            return stored ?? candidate
        }
    }

    public func storedSeed() async throws -> UInt64? {
        try await run("read the seed") { client, logger in
            var stored: UInt64?
            for try await text in try await client.query("SELECT value FROM meta WHERE key = 'seed'", logger: logger).decode(String.self) {
                stored = UInt64(text)
            }
            return stored
        }
    }

    // MARK: days and decisions

    public func isPlanned(day: CivilDate) async throws -> Bool {
        try await run("read the day's plan") { client, logger in
            var found = false
            for try await _ in try await client.query("SELECT 1 FROM day WHERE day = \(day.description)", logger: logger).decode(Int.self) {
                found = true
            }
            return found
        }
    }

    public func savePlan(_ plan: DayPlan, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }
        return try await run("record the day's plan") { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                let window = plan.status.window
                var reason: String?
                if case .excluded(let exclusion) = plan.status { reason = exclusion.description }
                let status = window == nil ? "excluded" : "eligible"
                let inserted = try await connection.query("""
                    INSERT INTO day (day, status, reason, window_start, window_end, planned_at, fence)
                    VALUES (\(plan.day.description), \(status), \(reason), \(window?.start.timeIntervalSince1970),
                            \(window?.end.timeIntervalSince1970), \(now.timeIntervalSince1970), \(token))
                    ON CONFLICT (day) DO NOTHING RETURNING 1
                    """, logger: logger).decode(Int.self)
                var fresh = false
                for try await _ in inserted { fresh = true }
                guard fresh else { return false }
                for decision in plan.decisions {
                    var status = DecisionStatus.planned
                    var skipReason: String?, detail: String?
                    if case .skip(let why, let text) = decision.disposition {
                        status = .skipped; skipReason = why.rawValue; detail = text
                    }
                    try await connection.query("""
                        INSERT INTO decision (id, day, scenario, plan, seed, start_at, planned_duration_ms, abort_at, status,
                            reason, detail, updated_at, fence)
                        VALUES (\(decision.id), \(decision.day.description), \(decision.scenario), \(decision.plan),
                                \(Int64(bitPattern: decision.seed)), \(decision.startAt.timeIntervalSince1970),
                                \(Int64(decision.plannedDuration.milliseconds)), \(decision.abortAt.timeIntervalSince1970),
                                \(status.rawValue), \(skipReason), \(detail), \(now.timeIntervalSince1970), \(token))
                        ON CONFLICT (id) DO NOTHING
                        """, logger: logger)
                }
                return true
            }
        }
    }

    static let decisionColumns = """
        id, day, scenario, plan, seed, start_at, planned_duration_ms, abort_at, status, reason, detail, runs_dir, run_dir,
        pid, exit_code, started_at, ended_at
        """

    func fetchDecisions(_ what: String, _ query: PostgresQuery) async throws -> [DecisionRecord] {
        try await run(what) { client, logger in
            var out: [DecisionRecord] = []
            for try await row in try await client.query(query, logger: logger) {
                out.append(try Self.decision(from: row.makeRandomAccess()))
            }
            return out
        }
    }

    static func decision(from row: PostgresRandomAccessRow) throws -> DecisionRecord {
        let dayText = try row["day"].decode(String.self)
        let statusText = try row["status"].decode(String.self)
        return DecisionRecord(
            id: try row["id"].decode(String.self), day: CivilDate(parsing: dayText) ?? CivilDate(ordinal: 0),
            scenario: try row["scenario"].decode(String.self), plan: try row["plan"].decode(String.self),
            seed: UInt64(bitPattern: try row["seed"].decode(Int64.self)),
            startAt: Date(timeIntervalSince1970: try row["start_at"].decode(Double.self)),
            plannedDuration: .milliseconds(try row["planned_duration_ms"].decode(Int64.self)),
            abortAt: Date(timeIntervalSince1970: try row["abort_at"].decode(Double.self)),
            status: DecisionStatus(rawValue: statusText) ?? .failed,
            reason: try row["reason"].decode(String?.self), detail: try row["detail"].decode(String?.self),
            runsDir: try row["runs_dir"].decode(String?.self), runDir: try row["run_dir"].decode(String?.self),
            pid: try row["pid"].decode(Int64?.self).map { Int32(truncatingIfNeeded: $0) },
            exitCode: try row["exit_code"].decode(Int64?.self).map { Int32(truncatingIfNeeded: $0) },
            startedAt: try row["started_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
            endedAt: try row["ended_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)))
    }

    public func decisions(day: CivilDate) async throws -> [DecisionRecord] {
        try await fetchDecisions("read the day's decisions", """
            SELECT \(unescaped: Self.decisionColumns) FROM decision WHERE day = \(day.description) ORDER BY start_at, id
            """)
    }

    public func decision(id: String) async throws -> DecisionRecord? {
        try await fetchDecisions("read a decision", "SELECT \(unescaped: Self.decisionColumns) FROM decision WHERE id = \(id)").first
    }

    public func unresolved() async throws -> [DecisionRecord] {
        try await fetchDecisions("read unresolved decisions", """
            SELECT \(unescaped: Self.decisionColumns) FROM decision WHERE status IN ('starting', 'running') ORDER BY start_at
            """)
    }

    public func history(limit: Int) async throws -> [DecisionRecord] {
        try await fetchDecisions("read the history", """
            SELECT \(unescaped: Self.decisionColumns) FROM decision ORDER BY start_at DESC, id DESC LIMIT \(max(1, limit))
            """)
    }

    public func lastRuns() async throws -> [String: CivilDate] {
        let started = DecisionStatus.allCases.filter { $0.started || $0 == .leashed }.map(\.rawValue)
        return try await run("read the last runs") { client, logger in
            var out: [String: CivilDate] = [:]
            let rows = try await client.query("""
                SELECT scenario, max(day) FROM decision WHERE status = ANY(\(started)) GROUP BY scenario
                """, logger: logger)
            for try await (scenario, day) in rows.decode((String, String).self) {
                if let date = CivilDate(parsing: day) { out[scenario] = date }
            }
            return out
        }
    }

    public func markSkipped(id: String, reason: SkipReason, detail: String, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }, planned = [DecisionStatus.planned.rawValue]
        return try await update("""
            UPDATE decision SET reason = \(reason.rawValue), detail = \(detail), status = \(DecisionStatus.skipped.rawValue),
                updated_at = \(now.timeIntervalSince1970), fence = \(token)
            WHERE id = \(id) AND status = ANY(\(planned)) RETURNING 1
            """)
    }

    public func markLeashed(id: String, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }, planned = [DecisionStatus.planned.rawValue]
        return try await update("""
            UPDATE decision SET detail = \("leashed: decided to start now; nothing was injected"),
                status = \(DecisionStatus.leashed.rawValue), updated_at = \(now.timeIntervalSince1970), fence = \(token)
            WHERE id = \(id) AND status = ANY(\(planned)) RETURNING 1
            """)
    }

    public func markStarting(id: String, runsDir: String, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }, planned = [DecisionStatus.planned.rawValue]
        return try await update("""
            UPDATE decision SET runs_dir = \(runsDir), started_at = \(now.timeIntervalSince1970),
                status = \(DecisionStatus.starting.rawValue), updated_at = \(now.timeIntervalSince1970), fence = \(token)
            WHERE id = \(id) AND status = ANY(\(planned)) RETURNING 1
            """)
    }

    public func markRunning(id: String, pid: Int32, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }, starting = [DecisionStatus.starting.rawValue]
        return try await update("""
            UPDATE decision SET pid = \(Int64(pid)), status = \(DecisionStatus.running.rawValue),
                updated_at = \(now.timeIntervalSince1970), fence = \(token)
            WHERE id = \(id) AND status = ANY(\(starting)) RETURNING 1
            """)
    }

    public func markFinished(id: String, status: DecisionStatus, reason: String?, detail: String?, exitCode: Int32?,
                             runDir: String?, now: Date) async throws -> Bool {
        let token = fence.withLock { $0 }, open = [DecisionStatus.starting.rawValue, DecisionStatus.running.rawValue]
        return try await update("""
            UPDATE decision SET detail = \(detail), ended_at = \(now.timeIntervalSince1970), reason = coalesce(\(reason), reason),
                exit_code = coalesce(\(exitCode.map(Int64.init)), exit_code), run_dir = coalesce(\(runDir), run_dir),
                status = \(status.rawValue), updated_at = \(now.timeIntervalSince1970), fence = \(token)
            WHERE id = \(id) AND status = ANY(\(open)) RETURNING 1
            """)
    }

    /// One conditional update (ending in `RETURNING 1`); true when it changed the row.
    func update(_ query: PostgresQuery) async throws -> Bool {
        try await run("record a decision's transition") { client, logger in
            var changed = false
            for try await _ in try await client.query(query, logger: logger).decode(Int.self) { changed = true }
            return changed
        }
    }

    // MARK: leadership

    public func campaign(replica: ReplicaIdentity, ttl: TimeSpan) async throws -> LeaseStatus {
        let seconds = ttl.seconds
        let status = try await run("campaign for the lease") { client, logger in
            try await client.withTransaction(logger: logger) { connection -> LeaseStatus in
                try await connection.query("""
                    INSERT INTO replica (id, host, pid, started_at, seen_at)
                    VALUES (\(replica.id), \(replica.host), \(Int64(replica.pid)), clock_timestamp(), clock_timestamp())
                    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
                    """, logger: logger)
                var current: (token: Int64, holder: String, live: Bool, remaining: Double)?
                for try await row in try await connection.query("""
                    SELECT token, holder, expires_at > clock_timestamp(),
                           extract(epoch FROM greatest(expires_at, clock_timestamp()) - clock_timestamp())::float8
                    FROM leader_lease WHERE id = 1 FOR UPDATE
                    """, logger: logger).decode((Int64, String, Bool, Double).self) {
                    current = (row.0, row.1, row.2, row.3)
                }
                guard let current else { throw ScheduleStoreError(message: "the lease row is missing: the schema is damaged") }
                if current.holder == replica.id && current.live {
                    try await connection.query("""
                        UPDATE leader_lease SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => \(seconds))
                        WHERE id = 1
                        """, logger: logger)
                    try await connection.query("""
                        UPDATE leader_history SET expires_at = clock_timestamp() + make_interval(secs => \(seconds)) WHERE token = \(current.token)
                        """, logger: logger)
                    return LeaseStatus(holder: replica.id, token: current.token, leading: true, remaining: ttl)
                }
                if current.live {
                    return LeaseStatus(holder: current.holder, token: current.token, leading: false,
                                       remaining: .milliseconds(Int64(current.remaining * 1000)))
                }
                let token = current.token + 1
                try await connection.query("""
                    UPDATE leader_lease SET token = \(token), holder = \(replica.id), acquired_at = clock_timestamp(),
                        renewed_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => \(seconds))
                    WHERE id = 1
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO leader_history (token, holder, acquired_at, expires_at)
                    VALUES (\(token), \(replica.id), clock_timestamp(), clock_timestamp() + make_interval(secs => \(seconds)))
                    """, logger: logger)
                return LeaseStatus(holder: replica.id, token: token, leading: true, remaining: ttl)
            }
        }
        fence.withLock { $0 = status.leading ? status.token : nil }
        return status
    }

    public func resign(replica: ReplicaIdentity) async throws {
        fence.withLock { $0 = nil }
        try await run("give up the lease") { client, logger in
            try await client.withTransaction(logger: logger) { connection in
                for try await token in try await connection.query("""
                    UPDATE leader_lease SET expires_at = clock_timestamp() WHERE id = 1 AND holder = \(replica.id)
                        AND expires_at > clock_timestamp() RETURNING token
                    """, logger: logger).decode(Int64.self) {
                    try await connection.query("UPDATE leader_history SET expires_at = clock_timestamp() WHERE token = \(token)", logger: logger)
                }
                try await connection.query("DELETE FROM replica WHERE id = \(replica.id)", logger: logger)
            }
        }
    }

    public func clusterStatus() async throws -> ClusterStatus {
        try await run("read the replicas and the lease") { client, logger in
            var replicas: [ClusterStatus.Replica] = []
            for try await (id, host, pid, seen) in try await client.query("""
                SELECT id, host, pid, extract(epoch FROM clock_timestamp() - seen_at)::float8 FROM replica ORDER BY seen_at DESC LIMIT 100
                """, logger: logger).decode((String, String, Int64, Double).self) {
                replicas.append(.init(id: id, host: host, pid: Int32(truncatingIfNeeded: pid), lastSeen: .milliseconds(Int64(seen * 1000))))
            }
            var status = ClusterStatus(backend: "postgres", replicas: replicas, leader: nil, token: 0, leaseAge: nil, leaseRemaining: nil)
            for try await (token, holder, live, age, remaining) in try await client.query("""
                SELECT token, holder, expires_at > clock_timestamp(),
                       CASE WHEN token = 0 THEN NULL ELSE extract(epoch FROM clock_timestamp() - renewed_at)::float8 END,
                       extract(epoch FROM greatest(expires_at, clock_timestamp()) - clock_timestamp())::float8
                FROM leader_lease WHERE id = 1
                """, logger: logger).decode((Int64, String, Bool, Double?, Double).self) {
                status.token = token
                status.leader = live ? holder : nil
                status.leaseAge = age.map { .milliseconds(Int64($0 * 1000)) }
                status.leaseRemaining = .milliseconds(Int64(remaining * 1000))
            }
            return status
        }
    }

    /// The database's record of every leadership: token, holder, and the interval it held the lease.
    public func leadershipHistory() async throws -> [(token: Int64, holder: String, from: Double, until: Double)] {
        try await run("read the leadership history") { client, logger in
            var out: [(token: Int64, holder: String, from: Double, until: Double)] = []
            for try await row in try await client.query("""
                SELECT token, holder, extract(epoch FROM acquired_at)::float8, extract(epoch FROM expires_at)::float8
                FROM leader_history ORDER BY token
                """, logger: logger).decode((Int64, String, Double, Double).self) {
                out.append((row.0, row.1, row.2, row.3))
            }
            return out
        }
    }

    // MARK: pause

    public func pausedReason() async throws -> String? {
        try await run("read the pause switch") { client, logger in
            var out: String?
            for try await (paused, reason) in try await client.query("SELECT paused, reason FROM pause WHERE id = 1", logger: logger).decode((Bool, String?).self) {
                out = paused ? (reason ?? "") : nil
            }
            return out
        }
    }

    public func setPaused(_ paused: Bool, reason: String?, now: Date) async throws {
        try await run("set the pause switch") { client, logger in
            try await client.query("""
                INSERT INTO pause (id, paused, reason, changed_at) VALUES (1, \(paused), \(reason), \(now.timeIntervalSince1970))
                ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, reason = excluded.reason, changed_at = excluded.changed_at
                """, logger: logger)
        }
    }

    // MARK: running operations

    /// Runs one operation with a bound on its time and a message that says what failed and what to do.
    func run<T: Sendable>(_ what: String, _ operation: @escaping @Sendable (PostgresClient, Logger) async throws -> T) async throws -> T {
        let client = self.client, logger = self.logger, timeout = operationTimeout, location = self.postgres
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await operation(client, logger) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw ScheduleStoreError(message: "cannot \(what) in \(location): no answer within \(timeout); check that PostgreSQL is up and reachable")
                }
                return value
            }
        } catch let error as PSQLError {
            throw Self.translate(error, what: what, location: location, token: fence.withLock { $0 })
        } catch let error as PostgresTransactionError {
            // What failed inside the transaction is the error; a failed BEGIN/COMMIT is a database error.
            let inner = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            if let psql = inner as? PSQLError { throw Self.translate(psql, what: what, location: location, token: fence.withLock { $0 }) }
            if let inner { throw inner }
            throw ScheduleStoreError(message: "cannot \(what) in \(location): the transaction failed")
        }
    }

    /// A PostgreSQL error as a message that says what went wrong (PSQLError's own description hides everything).
    static func translate(_ error: PSQLError, what: String, location: PostgresLocation, token: Int64?) -> any Error {
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message]
        if state == "GD001" {
            return StaleFencingTokenError(token: token, message: message ?? "the database refused the write")
        }
        if let message {
            return ScheduleStoreError(message: "cannot \(what) in \(location): \(message)\(state.map { " (SQLSTATE \($0))" } ?? "")")
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return ScheduleStoreError(message: "cannot \(what) in \(location): \(error.code)\(underlying); check that PostgreSQL is up, reachable and accepts this user")
    }
}

extension DecisionRecord {
    init(id: String, day: CivilDate, scenario: String, plan: String, seed: UInt64, startAt: Date, plannedDuration: TimeSpan,
         abortAt: Date, status: DecisionStatus, reason: String?, detail: String?, runsDir: String?, runDir: String?,
         pid: Int32?, exitCode: Int32?, startedAt: Date?, endedAt: Date?) {
        self.id = id; self.day = day; self.scenario = scenario; self.plan = plan; self.seed = seed; self.startAt = startAt
        self.plannedDuration = plannedDuration; self.abortAt = abortAt; self.status = status; self.reason = reason
        self.detail = detail; self.runsDir = runsDir; self.runDir = runDir; self.pid = pid; self.exitCode = exitCode
        self.startedAt = startedAt; self.endedAt = endedAt
    }
}
