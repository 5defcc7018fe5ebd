import GameDayCore

/// Runs health checks and reports every result.
///
/// Implementations (GameDayProbes) run each check at its `interval` until the calling task is cancelled, then stop
/// all probes and return. `sink` is called once per completed probe, from any thread.
public protocol ProbeDriver: Sendable {
    func run(checks: [HealthCheckSpec], sink: @escaping @Sendable (ProbeSample) -> Void) async throws
}

/// Applies one kind of fault.
///
/// `prepare` works out what to do and how to undo it, touching nothing (it may read, e.g. a pid file). The runner
/// journals the returned recipe durably and only then calls `apply` (invariant 1: write-ahead).
public protocol FaultInjector: Sendable {
    func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault
}

/// A fault ready to apply, with its revert recipe.
public struct PreparedFault: Sendable {
    public var target: String
    public var description: String
    public var recipe: RevertRecipe
    /// Applies the fault; returns a detail for the journal (e.g. "SIGSTOP sent to pid 1234").
    public var apply: @Sendable () async throws -> String?

    public init(target: String, description: String, recipe: RevertRecipe, apply: @escaping @Sendable () async throws -> String?) {
        self.target = target; self.description = description; self.recipe = recipe; self.apply = apply
    }
}

/// What an injector may need beyond the step: where proxies' APIs are, the run's identity (for naming host-side
/// objects such as nftables tables), and the run's planned length (for leases).
public struct InjectionContext: Sendable {
    public var runID: String
    /// Control API base URL per proxy name (`http://127.0.0.1:8474`).
    public var proxyAPIs: [String: String]
    /// Extra time a host-side lease waits past a fault's duration before reverting it by itself.
    public var leaseGrace: TimeSpan
    public var dryRun: Bool

    public init(runID: String, proxyAPIs: [String: String] = [:], leaseGrace: TimeSpan = .seconds(30), dryRun: Bool = false) {
        self.runID = runID; self.proxyAPIs = proxyAPIs; self.leaseGrace = leaseGrace; self.dryRun = dryRun
    }
}

/// Carries out revert recipes: used by the runner and by `gameday recover`. Reverts must be idempotent.
public protocol FaultReverter: Sendable {
    /// Reverts; returns a detail for the journal. Throws if the fault may still be active.
    func revert(_ recipe: RevertRecipe) async throws -> String?
}

/// Receives journal events. The runner calls `record` for every event and waits for it to return; implementations
/// make `inject.begin` (and every fault event) durable before returning.
public protocol EventRecorder: Sendable {
    @discardableResult
    func record(_ body: EventBody) async throws -> JournalEvent
}
