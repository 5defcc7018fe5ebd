import Foundation
import GameDayCore
import GameDayCalendar

/// The scheduler's durable state, whatever holds it: planned days, decisions and their outcomes, the pause switch,
/// the seed, and who leads.
///
/// Two implementations pass one shared test suite: `ScheduleStore` (SQLite, one daemon per file, the default) and
/// `PostgresScheduleStore` (any number of replicas, one leader, fenced writes). Every transition that matters for
/// "never start twice" is a conditional update committed before the caller acts on it.
public protocol ScheduleStoring: Sendable {
    /// Where the state lives, for logs and messages (never holds a password).
    var location: String { get }

    /// The stored seed, or `candidate` stored now if there is none.
    func seed(orStore candidate: UInt64) async throws -> UInt64
    /// The stored seed, if a daemon has picked one.
    func storedSeed() async throws -> UInt64?

    /// Whether the day's plan has been recorded.
    func isPlanned(day: CivilDate) async throws -> Bool
    /// Records a day's plan once; false when it was already recorded (nothing changes).
    @discardableResult func savePlan(_ plan: DayPlan, now: Date) async throws -> Bool
    /// A day's decisions, by start time.
    func decisions(day: CivilDate) async throws -> [DecisionRecord]
    /// One decision by id.
    func decision(id: String) async throws -> DecisionRecord?
    /// Decisions left `starting` or `running` by a daemon that is gone.
    func unresolved() async throws -> [DecisionRecord]
    /// The most recent decisions first.
    func history(limit: Int) async throws -> [DecisionRecord]
    /// The last day each scenario ran (a started or leashed decision).
    func lastRuns() async throws -> [String: CivilDate]

    /// `planned` -> `skipped`; false if it was no longer planned.
    @discardableResult func markSkipped(id: String, reason: SkipReason, detail: String, now: Date) async throws -> Bool
    /// `planned` -> `leashed`.
    @discardableResult func markLeashed(id: String, now: Date) async throws -> Bool
    /// `planned` -> `starting`, durably, before the run is spawned; false means: do not spawn.
    func markStarting(id: String, runsDir: String, now: Date) async throws -> Bool
    /// `starting` -> `running` with the child's pid.
    @discardableResult func markRunning(id: String, pid: Int32, now: Date) async throws -> Bool
    /// `starting`/`running` -> a final status.
    @discardableResult func markFinished(id: String, status: DecisionStatus, reason: String?, detail: String?,
                                         exitCode: Int32?, runDir: String?, now: Date) async throws -> Bool

    /// The pause reason while paused (empty if none was given), nil when running normally.
    func pausedReason() async throws -> String?
    /// Pauses (nothing starts) or resumes, with an optional reason.
    func setPaused(_ paused: Bool, reason: String?, now: Date) async throws

    /// The schema version this store is at (after its migrations ran).
    func schemaVersion() async throws -> Int

    /// Acquires the lease if it is free or expired (with a new, larger fencing token), renews it if `replica`
    /// holds it, else reports who does. From then on this store's writes carry the token it won (or none).
    func campaign(replica: ReplicaIdentity, ttl: TimeSpan) async throws -> LeaseStatus
    /// Gives the lease up at once (graceful shutdown), so another replica need not wait for the TTL.
    func resign(replica: ReplicaIdentity) async throws
    /// Replicas, leader, token and lease age.
    func clusterStatus() async throws -> ClusterStatus

    /// Where a run this replica starts for `decisionID` mirrors its journal (with the token it leads under); nil
    /// when the store keeps no mirror (SQLite) or this replica does not lead.
    func journalMirror(decisionID: String) -> JournalMirrorTarget?
}

extension ScheduleStoring {
    public func journalMirror(decisionID: String) -> JournalMirrorTarget? { nil }
}

/// The state store could not be opened or used.
public struct ScheduleStoreError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// A leader's write carried a fencing token older than the lease's: this replica no longer leads.
public struct StaleFencingTokenError: Error, CustomStringConvertible {
    public var token: Int64?
    public var message: String
    public var description: String {
        "this replica's fencing token \(token.map(String.init) ?? "(none)") is stale: \(message). It no longer leads; it must not act."
    }
}
