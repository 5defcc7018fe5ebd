/// The demo balancer's decisions, free of sockets and clocks: which replicas are in rotation after each active
/// health probe, and which replicas a request tries, in order.
///
/// Rules (those of common proxies such as Envoy and HAProxy, scaled down):
/// - A replica starts **out** of rotation and comes in after `successesToHealthy` consecutive successful probes.
/// - It goes out after `failuresToUnhealthy` consecutive failed probes; one failure alone is noise.
/// - Requests go round-robin over the replicas in rotation; a request that gets no response is retried on the next
///   one, up to `maximumAttempts` distinct replicas.
/// - When no replica is in rotation the balancer **fails open**: it routes over all replicas, because health checks
///   that fail everywhere at once are more likely wrong (or the whole fleet degraded) than every replica dead, and
///   sending traffic is then better than refusing all of it (Envoy's panic threshold).
public struct BalancerStateMachine: Sendable, Equatable {
    /// Thresholds for health transitions and retries.
    public struct Policy: Sendable, Equatable {
        /// Consecutive failed probes that take a replica out of rotation.
        public var failuresToUnhealthy: Int
        /// Consecutive successful probes that put a replica back in rotation.
        public var successesToHealthy: Int
        /// Distinct replicas one request may try (the first attempt plus retries).
        public var maximumAttempts: Int

        public init(failuresToUnhealthy: Int = 2, successesToHealthy: Int = 1, maximumAttempts: Int = 2) {
            self.failuresToUnhealthy = max(1, failuresToUnhealthy)
            self.successesToHealthy = max(1, successesToHealthy)
            self.maximumAttempts = max(1, maximumAttempts)
        }
    }

    /// What the balancer knows about one replica.
    public struct ReplicaHealth: Sendable, Equatable {
        public var name: String
        public var isHealthy: Bool
        public var consecutiveFailures: Int
        public var consecutiveSuccesses: Int
    }

    /// A health transition to log (and nothing else: routing reads the state directly).
    public enum ProbeAction: Sendable, Equatable {
        case none
        case cameIntoRotation(replica: String)
        case leftRotation(replica: String, consecutiveFailures: Int)
    }

    /// The replicas one request tries, in order, and whether the balancer is failing open.
    public struct Route: Sendable, Equatable {
        /// Indexes into ``BalancerStateMachine/replicas``; the first is the primary choice, the rest are retries.
        public var attempts: [Int]
        /// True when no replica was in rotation and the request is routed over all of them.
        public var failOpen: Bool

        public init(attempts: [Int], failOpen: Bool) {
            self.attempts = attempts
            self.failOpen = failOpen
        }
    }

    public let policy: Policy
    public private(set) var replicas: [ReplicaHealth]
    private var cursor = 0

    /// Creates the state for `replicaNames`, all out of rotation until their first successful probes.
    public init(replicaNames: [String], policy: Policy = Policy()) {
        self.policy = policy
        self.replicas = replicaNames.map {
            ReplicaHealth(name: $0, isHealthy: false, consecutiveFailures: 0, consecutiveSuccesses: 0)
        }
    }

    /// Records a successful health probe of replica `index`.
    public mutating func probeSucceeded(replica index: Int) -> ProbeAction {
        guard replicas.indices.contains(index) else { return .none }
        replicas[index].consecutiveFailures = 0
        replicas[index].consecutiveSuccesses += 1
        if !replicas[index].isHealthy, replicas[index].consecutiveSuccesses >= policy.successesToHealthy {
            replicas[index].isHealthy = true
            return .cameIntoRotation(replica: replicas[index].name)
        }
        return .none
    }

    /// Records a failed (or timed-out) health probe of replica `index`.
    public mutating func probeFailed(replica index: Int) -> ProbeAction {
        guard replicas.indices.contains(index) else { return .none }
        replicas[index].consecutiveSuccesses = 0
        replicas[index].consecutiveFailures += 1
        if replicas[index].isHealthy, replicas[index].consecutiveFailures >= policy.failuresToUnhealthy {
            replicas[index].isHealthy = false
            return .leftRotation(replica: replicas[index].name, consecutiveFailures: replicas[index].consecutiveFailures)
        }
        return .none
    }

    /// Indexes of the replicas in rotation.
    public var healthyReplicas: [Int] { replicas.indices.filter { replicas[$0].isHealthy } }

    /// True when no replica is in rotation, so requests are routed over all of them.
    public var isFailingOpen: Bool { !replicas.isEmpty && healthyReplicas.isEmpty }

    /// Picks the replicas for the next request and advances the round-robin cursor.
    public mutating func route() -> Route {
        guard !replicas.isEmpty else { return Route(attempts: [], failOpen: false) }
        let healthy = healthyReplicas
        let failOpen = healthy.isEmpty
        let pool = failOpen ? Array(replicas.indices) : healthy
        let start = cursor % pool.count
        cursor = (cursor &+ 1) & Int.max
        let count = min(policy.maximumAttempts, pool.count)
        let attempts = (0..<count).map { pool[(start + $0) % pool.count] }
        return Route(attempts: attempts, failOpen: failOpen)
    }
}
