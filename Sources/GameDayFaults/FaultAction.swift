import GameDayCore

/// What applying one fault on one target does, and how it is undone: the value the injector executes and
/// `gameday plan` prints. Its cases are mechanisms, not kinds.
public enum FaultAction: Sendable, Equatable {
    /// Host scripts (inject and idempotent revert) run on the target through its executor, under a lease.
    case host(RemoteFaultCommands)
    /// Signals to the target's processes on this machine (local node loss; pids are resolved when prepared).
    case signal(SignalAction)
    /// A user's inject (and revert) program, on the controller or on each target.
    case command(CommandAction)
    /// A change on the step's fault proxy.
    case proxy(ProxyAction)
}

/// Signal the processes of a local target (by pid file, pattern or systemd unit).
public struct SignalAction: Sendable, Equatable {
    public var process: ProcessSelector
    /// `KILL`, `TERM`, `STOP`.
    public var signal: String
    public var number: Int32
    /// The signal that undoes it (`CONT` for `STOP`), nil when recovery is left to the supervisor.
    public var revertSignal: String?

    public init(process: ProcessSelector, signal: String, number: Int32, revertSignal: String?) {
        self.process = process; self.signal = signal; self.number = number; self.revertSignal = revertSignal
    }
}

/// Run a program (argument vector, no shell) and, when given, its revert.
public struct CommandAction: Sendable, Equatable {
    public var inject: [String]
    public var revert: [String]?
    public var timeout: TimeSpan

    public init(inject: [String], revert: [String]?, timeout: TimeSpan) {
        self.inject = inject; self.revert = revert; self.timeout = timeout
    }
}

/// A toxic added to the step's proxy (reverted by deleting it), or the proxy disabled (reverted by enabling it).
public struct ProxyAction: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case addToxic(type: String, stream: String, toxicity: Double, attributes: [String: JSONValue])
        case disable
    }

    public var change: Change

    public init(_ change: Change) { self.change = change }
}

/// What a kind's `action` may look at: the run, the step, the target, and the host-side names derived from them.
public struct ActionContext: Sendable {
    public var runID: String
    public var stepIndex: Int
    public var stepName: String
    /// The target, or nil for the controller (or a proxy step).
    public var target: Target?
    /// The fault's planned length.
    public var duration: TimeSpan
    /// How long past `duration` a host-side lease waits before reverting by itself.
    public var leaseGrace: TimeSpan
    public var firewall: FirewallBackend

    public init(runID: String, stepIndex: Int, stepName: String, target: Target?, duration: TimeSpan,
                leaseGrace: TimeSpan = .seconds(30), firewall: FirewallBackend = .automatic) {
        self.runID = runID; self.stepIndex = stepIndex; self.stepName = stepName; self.target = target
        self.duration = duration; self.leaseGrace = leaseGrace; self.firewall = firewall
    }

    public init(step: ScheduledStep, target: Target?, runID: String, leaseGrace: TimeSpan = .seconds(30),
                firewall: FirewallBackend = .automatic) {
        self.init(runID: runID, stepIndex: step.index, stepName: step.name, target: target,
                  duration: step.revertAt - step.injectAt, leaseGrace: leaseGrace, firewall: firewall)
    }

    /// The lease's name: its systemd unit, watchdog pid file and lock (unique per host).
    public var leaseName: String {
        RemoteFaultNames.lease(runID: runID, stepIndex: stepIndex, stepName: stepName, target: target?.name ?? "controller")
    }

    /// The nftables table (and iptables chain seed) of the step.
    public var table: String { RemoteFaultNames.table(runID: runID, stepIndex: stepIndex, stepName: stepName) }

    /// When the lease fires, in whole seconds after the inject: duration + grace, rounded up.
    public var leaseSeconds: Int64 { max(1, (max(0, (duration + leaseGrace).milliseconds) + 999) / 1000) }

    /// The SSH port the controller reaches the target on (22 for local targets).
    public var sshPort: Int {
        if let target, case .ssh(let access) = target.access { return access.port ?? 22 }
        return 22
    }

    /// The target, or an error naming the kind that needs one.
    public func requireTarget(_ kind: String) throws -> Target {
        guard let target else { throw FaultKindError("step \(stepName): \(kind) acts on targets, but none was selected") }
        return target
    }
}
