import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// Keeps this replica's claim on the leader lease: campaigns every third of the TTL and says whether it leads.
///
/// Leadership is believed only until `sent + TTL − margin` on this process's monotonic clock, where `sent` is when
/// the winning campaign was sent: the database set the lease's expiry after that, by its own clock, so this replica
/// stops believing it leads before the database lets anyone else take over. A campaign that fails or hangs simply
/// lets the belief run out: the service then starts nothing and aborts its run. While the store cannot be reached,
/// campaigns back off (`reconnect`: exponential, full jitter, capped at the TTL) instead of keeping the renewal pace,
/// so replicas that lost the database do not all hit it together when it comes back.
public actor LeaderElection {
    public nonisolated let replica: ReplicaIdentity
    public nonisolated let ttl: TimeSpan
    let store: any ScheduleStoring
    let logger: Logger
    let clock = ContinuousClock()
    private var validUntil: ContinuousClock.Instant?
    /// The token of the leadership this replica holds (or last held).
    public private(set) var token: Int64?
    /// Bumped every time this replica wins a new token: the service runs takeover recovery once per leadership.
    public private(set) var term = 0
    /// Whether the last campaign won (to log a loss once).
    private var won = false
    /// Campaigns in a row that got no answer from the store (0 after any answer).
    public private(set) var failures = 0
    let jitter = Jitter()

    public init(store: any ScheduleStoring, replica: ReplicaIdentity, ttl: TimeSpan, logger: Logger) {
        self.store = store; self.replica = replica; self.ttl = ttl; self.logger = logger
    }

    /// Whether this replica leads right now.
    public var isLeading: Bool { validUntil.map { clock.now < $0 } ?? false }

    /// How often to campaign: a third of the TTL, so two renewals may fail before the lease runs out.
    public nonisolated var renewEvery: Duration { ttl.duration / 3 }

    /// How campaigns are paced while the store cannot be reached: from a tenth of the renewal period, doubling up
    /// to the TTL, with full jitter; the project's one retry policy.
    public nonisolated var reconnect: BackoffPolicy {
        BackoffPolicy(maxAttempts: .max, base: TimeSpan(renewEvery / 10), cap: ttl, spread: .full)
    }

    /// The wait before the next campaign: the renewal period after an answer, a backoff wait after failures.
    public func nextCampaignDelay() -> Duration {
        failures == 0 ? renewEvery : jitter.delay(reconnect, attempt: failures - 1).duration
    }

    /// One campaign, bounded by the renewal period; returns whether this replica leads afterwards.
    @discardableResult
    public func campaign() async -> Bool {
        let sent = clock.now
        let store = self.store, replica = self.replica, ttl = self.ttl, bound = renewEvery
        do {
            let status = try await withThrowingTaskGroup(of: LeaseStatus?.self) { group in
                group.addTask { try await store.campaign(replica: replica, ttl: ttl) }
                group.addTask { try await Task.sleep(for: bound); return nil }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            guard let status else {
                failures += 1
                logger.warning("the lease campaign got no answer in time", metadata: ["replica": "\(replica.id)", "try": "\(failures)"])
                return isLeading
            }
            if failures > 0 {
                logger.notice("reached the store again", metadata: ["replica": "\(replica.id)", "after": "\(failures) failed campaign(s)"])
            }
            failures = 0
            if status.leading {
                if token != status.token {
                    term += 1
                    logger.notice("leading", metadata: ["replica": "\(replica.id)", "token": "\(status.token)"])
                }
                token = status.token
                won = true
                validUntil = sent.advanced(by: ttl.duration - ttl.duration / 10)
            } else {
                if won {
                    logger.warning("lost the lease", metadata: ["replica": "\(replica.id)", "leader": "\(status.holder ?? "-")", "token": "\(status.token)"])
                }
                won = false
                validUntil = nil
            }
        } catch {
            failures += 1
            logger.warning("cannot campaign for the lease: \(error)", metadata: ["replica": "\(replica.id)", "try": "\(failures)"])
        }
        return isLeading
    }

    /// Campaigns until cancelled: every renewal period, backing off while the store cannot be reached.
    public func maintain() async {
        while !Task.isCancelled {
            await campaign()
            let wait = nextCampaignDelay()
            if failures > 0 {
                logger.warning("store unreachable; backing off, next campaign in \(TimeSpan(wait))",
                               metadata: ["replica": "\(replica.id)", "try": "\(failures)"])
            }
            try? await Task.sleep(for: wait)
        }
    }

    /// Gives the lease up (graceful shutdown).
    public func resign() async {
        validUntil = nil
        do { try await store.resign(replica: replica) } catch {
            logger.warning("cannot give up the lease; it expires by itself within its TTL: \(error)")
        }
    }
}
