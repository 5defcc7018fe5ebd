import Dispatch
import Foundation
import GameDayCore
import GameDayJournal
import Logging
import PostgresNIO
import Synchronization

/// Where a scheduled run mirrors its journal: the scheduler's PostgreSQL store, the decision the run carries out,
/// and the fencing token of the leader that started it.
///
/// The scheduler hands it to `gameday run` in the environment (never on the command line; the password is the
/// daemon's own `PGPASSWORD` or password file, inherited like the rest of its environment).
public struct JournalMirrorTarget: Sendable, Equatable {
    public var location: PostgresLocation
    public var decisionID: String
    public var fence: Int64

    public init(location: PostgresLocation, decisionID: String, fence: Int64) {
        self.location = location; self.decisionID = decisionID; self.fence = fence
    }

    static let storeVariable = "GAMEDAY_JOURNAL_MIRROR"
    static let decisionVariable = "GAMEDAY_JOURNAL_MIRROR_DECISION"
    static let fenceVariable = "GAMEDAY_JOURNAL_MIRROR_FENCE"

    /// The variables `gameday run` reads (the URL holds no password: `PostgresLocation` refuses one).
    public var environment: [String: String] {
        var url = location.description
        url += "?sslmode=\(location.tls.rawValue)"
        return [Self.storeVariable: url, Self.decisionVariable: decisionID, Self.fenceVariable: String(fence)]
    }

    /// The target a run was started with, nil when it was not started by a scheduler on PostgreSQL; a half-set or
    /// malformed environment is an error (a scheduled run must not silently run unmirrored).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> JournalMirrorTarget? {
        let url = environment[storeVariable], decision = environment[decisionVariable], fence = environment[fenceVariable]
        if url == nil && decision == nil && fence == nil { return nil }
        guard let url, let decision, !decision.isEmpty, let fence, let token = Int64(fence) else {
            throw ScheduleStoreError(message: "the journal mirror needs \(storeVariable), \(decisionVariable) and \(fenceVariable) (a number) together; unset all three to run without it")
        }
        return JournalMirrorTarget(location: try PostgresLocation(parsing: url), decisionID: decision, fence: token)
    }
}

/// Mirrors a run's journal events into the scheduler's PostgreSQL store (`journal_event`), each row carrying the
/// fencing token of the leader that started the run, so the database refuses the rows of a deposed leader's run.
///
/// `append` is synchronous like the journal writer's: an event the journal fsyncs (`sync`) is committed in the
/// database before `append` returns, together with any batched ones before it; probe samples, health transitions
/// and alerts are batched (sent once 64 wait or a second has passed). Any failure (the database unreachable, the
/// token stale, the time limit passed) throws, and so does every later call: the run aborts and reverts, as on a
/// journal write failure. It blocks the calling thread on a NIO event loop of its own, never the Swift
/// concurrency pool's work.
public final class JournalMirror: Sendable {
    public let target: JournalMirrorTarget
    private let connection: PostgresConnection
    private let logger: Logger
    private let timeout: TimeAmount
    /// The machine the run writes from (a new leader elsewhere cannot revert a fault on this machine's own executor).
    private let host = ProcessInfo.processInfo.hostName

    private struct State {
        var pending: [(JournalEvent, String)] = []
        var oldest: ContinuousClock.Instant?
        var failure: String?
        let encoder: JSONEncoder
    }
    private let state: Mutex<State>

    static let batchSize = 64
    static let batchAge = Duration.seconds(1)

    private init(target: JournalMirrorTarget, connection: PostgresConnection, logger: Logger, timeout: TimeAmount) {
        self.target = target; self.connection = connection; self.logger = logger; self.timeout = timeout
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        state = Mutex(State(encoder: encoder))
    }

    /// Connects (within `timeout`) and checks that the token still holds the lease, so a run whose leader was
    /// already deposed stops before it has touched anything.
    public static func connect(_ target: JournalMirrorTarget, logger: Logger, timeout: Duration = .seconds(5),
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> JournalMirror {
        let location = target.location
        let password = try location.password(environment: environment)
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: password, database: location.database, tls: tls)
        let amount = TimeAmount.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        configuration.options.connectTimeout = amount
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                        id: 1, logger: logger).wait()
        } catch {
            throw ScheduleStoreError(message: "cannot connect to \(location) to mirror the journal of decision \(target.decisionID): \(String(reflecting: error)); the run applies nothing")
        }
        let mirror = JournalMirror(target: target, connection: connection, logger: logger, timeout: amount)
        do {
            let rows = try mirror.wait(connection.query("SELECT token FROM leader_lease WHERE id = 1 AND expires_at > clock_timestamp()", logger: logger))
            let token = try rows.rows.first?.decode(Int64.self)
            guard token == target.fence else {
                throw StaleFencingTokenError(token: target.fence, message: "the lease is at token \(token.map(String.init) ?? "(expired)")")
            }
        } catch {
            mirror.close()
            throw ScheduleStoreError(message: "the journal of decision \(target.decisionID) cannot be mirrored: \(error); the run applies nothing")
        }
        return mirror
    }

    /// Mirrors one event: committed before returning when `sync`, else batched. Throws once mirroring has failed.
    public func append(_ event: JournalEvent, sync: Bool) throws {
        try state.withLock { state in
            if let failure = state.failure { throw ScheduleStoreError(message: failure) }
            let line = String(decoding: try state.encoder.encode(event), as: UTF8.self)
            state.pending.append((event, line))
            let now = ContinuousClock.now
            if state.oldest == nil { state.oldest = now }
            guard sync || state.pending.count >= Self.batchSize || now - state.oldest! >= Self.batchAge else { return }
            try flush(&state)
        }
    }

    /// Sends what is batched (the run's end), then closes the connection. Never throws: the journal on disk has it all.
    public func close() {
        state.withLock { state in
            if state.failure == nil, !state.pending.isEmpty { try? flush(&state) }
            if state.failure == nil { state.failure = "the journal mirror is closed" }
        }
        _ = try? wait(connection.close() as EventLoopFuture<Void>)
    }

    private func flush(_ state: inout State) throws {
        let batch = state.pending
        state.pending.removeAll(keepingCapacity: true)
        state.oldest = nil
        var sql = "INSERT INTO journal_event (decision, seq, type, wall, line, host, fence) VALUES "
        var binds = PostgresBindings(capacity: batch.count * 7)
        for (index, (event, line)) in batch.enumerated() {
            let base = index * 7
            sql += (index == 0 ? "" : ", ") + "(" + (1...7).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
            try binds.append(target.decisionID)
            try binds.append(Int64(event.seq))
            try binds.append(event.body.type)
            try binds.append(Int64(event.wall))
            try binds.append(line)
            try binds.append(host)
            try binds.append(target.fence)
        }
        // A repeat of a row already committed (a retry after an unknown outcome) changes nothing.
        sql += " ON CONFLICT (decision, seq) DO NOTHING"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        do {
            _ = try wait(connection.query(query, logger: logger))
        } catch {
            let message = "cannot mirror journal events \(batch.first!.0.seq)-\(batch.last!.0.seq) of decision \(target.decisionID) into \(target.location): \(Self.describe(error))"
            state.failure = message
            logger.critical("\(message)")
            throw ScheduleStoreError(message: message)
        }
    }

    /// Waits for `future` at most the time limit; past it the connection is closed and the wait fails (a server
    /// gone without closing its sockets, or a query that never completes, must not stall the run).
    private func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        let seconds = Double(timeout.nanoseconds) / 1e9
        guard done.wait(timeout: .now() + seconds) == .success, let result = outcome.withLock({ $0 }) else {
            connection.close().whenComplete { _ in }
            throw ScheduleStoreError(message: "no answer from the database within \(seconds) s")
        }
        return try result.get()
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if error.serverInfo?[.sqlState] == "GD001" {
                return "the leader's fencing token is stale (\(error.serverInfo?[.message] ?? "")): the run's leader was deposed"
            }
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

extension PostgresScheduleStore {
    public func journalMirror(decisionID: String) -> JournalMirrorTarget? {
        fence.withLock { $0 }.map { JournalMirrorTarget(location: postgres, decisionID: decisionID, fence: $0) }
    }

    /// The mirrored journal of a decision's run, in order, and the machine it was written from (what `gameday
    /// report --store` and `gameday recover --store` read when the run directory is out of reach); no events when
    /// nothing was mirrored.
    public func mirroredRun(decisionID: String) async throws -> (contents: JournalContents, host: String) {
        let rows = try await run("read the mirrored journal") { client, logger in
            var rows: [(String, String)] = []
            for try await row in try await client.query("SELECT line, host FROM journal_event WHERE decision = \(decisionID) ORDER BY seq", logger: logger).decode((String, String).self) {
                rows.append(row)
            }
            return rows
        }
        let contents = JournalReader.decode(Data(rows.map { $0.0 + "\n" }.joined().utf8))
        return (contents, rows.first?.1 ?? "")
    }

    public func mirroredJournal(decisionID: String) async throws -> JournalContents {
        try await mirroredRun(decisionID: decisionID).contents
    }
}
