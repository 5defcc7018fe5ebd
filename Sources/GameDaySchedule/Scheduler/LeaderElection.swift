import Foundation
import GameDayCore
import Logging

/// Keeps this replica's claim on the leader lease: campaigns every third of the TTL and says whether it leads.
///
/// Leadership is believed only until `sent + TTL − margin` on this process's monotonic clock, where `sent` is when
/// the winning campaign was sent: the database set the lease's expiry after that, by its own clock, so this replica
/// stops believing it leads before the database lets anyone else take over. A campaign that fails or hangs simply
/// lets the belief run out: the service then starts nothing and aborts its run.
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

    public init(store: any ScheduleStoring, replica: ReplicaIdentity, ttl: TimeSpan, logger: Logger) {
        self.store = store; self.replica = replica; self.ttl = ttl; self.logger = logger
    }

    /// Whether this replica leads right now.
    public var isLeading: Bool { validUntil.map { clock.now < $0 } ?? false }

    /// How often to campaign: a third of the TTL, so two renewals may fail before the lease runs out.
    public nonisolated var renewEvery: Duration { ttl.duration / 3 }

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
                logger.warning("the lease campaign got no answer in time", metadata: ["replica": "\(replica.id)"])
                return isLeading
            }
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
            logger.warning("cannot campaign for the lease: \(error)", metadata: ["replica": "\(replica.id)"])
        }
        return isLeading
    }

    /// Campaigns until cancelled.
    public func maintain() async {
        while !Task.isCancelled {
            await campaign()
            try? await Task.sleep(for: renewEvery)
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
