import Foundation
import GameDayCore

/// One scheduler replica: a process that may lead.
public struct ReplicaIdentity: Sendable, Equatable {
    /// Unique per process (host, pid and a random suffix): a restarted replica is a new one.
    public var id: String
    public var host: String
    public var pid: Int32

    public init(id: String, host: String, pid: Int32) { self.id = id; self.host = host; self.pid = pid }

    /// This process.
    public static func current() -> ReplicaIdentity {
        let host = ProcessInfo.processInfo.hostName
        let pid = getpid()
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return ReplicaIdentity(id: "\(host)/\(pid)/\(suffix)", host: host, pid: pid)
    }
}

/// The lease after a campaign: who leads, with which fencing token, and for how much longer.
public struct LeaseStatus: Sendable, Equatable {
    /// The holder's replica id (nil before anyone led).
    public var holder: String?
    /// The fencing token of the current (or last) leadership; it only ever grows.
    public var token: Int64
    /// Whether the replica that asked holds the lease now.
    public var leading: Bool
    /// Time left on the lease, by the database's clock (zero once expired).
    public var remaining: TimeSpan

    public init(holder: String?, token: Int64, leading: Bool, remaining: TimeSpan) {
        self.holder = holder; self.token = token; self.leading = leading; self.remaining = remaining
    }
}

/// What `gameday schedule status` shows.
public struct ClusterStatus: Sendable, Equatable {
    public struct Replica: Sendable, Equatable {
        public var id: String
        public var host: String
        public var pid: Int32
        /// Seconds since the replica last campaigned (by the database's clock).
        public var lastSeen: TimeSpan
    }

    /// "sqlite" or "postgres".
    public var backend: String
    public var replicas: [Replica]
    public var leader: String?
    public var token: Int64
    /// Time since the leader last renewed.
    public var leaseAge: TimeSpan?
    /// Time left on the lease (zero: expired, nobody leads).
    public var leaseRemaining: TimeSpan?
}
