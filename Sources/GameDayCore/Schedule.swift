/// The fully resolved game day: which target each step hits and when each inject and revert happens.
///
/// Produced by `ScheduleResolver` (GameDayEngine) from a plan, its inventory and a seed; `gameday plan` prints it and
/// `gameday run` executes exactly it. It is embedded in the journal's `run.start` event, so reports need nothing else.
public struct Schedule: Sendable, Codable, Equatable {
    public var planName: String
    public var seed: UInt64
    public var baseline: TimeSpan
    public var recovery: TimeSpan
    public var steps: [ScheduledStep]

    public init(planName: String, seed: UInt64, baseline: TimeSpan, recovery: TimeSpan, steps: [ScheduledStep]) {
        self.planName = planName; self.seed = seed; self.baseline = baseline; self.recovery = recovery; self.steps = steps
    }

    /// When the chaos phase ends: the last revert (or the end of the baseline if there are no steps).
    public var chaosEnd: TimeSpan { steps.map(\.revertAt).max() ?? baseline }
    /// The planned length of the whole run.
    public var totalDuration: TimeSpan { chaosEnd + recovery }

    /// Every inject and revert in execution order (reverts before injects at the same instant, then by step).
    public var actions: [ScheduledAction] {
        var out: [ScheduledAction] = []
        for step in steps {
            out.append(ScheduledAction(kind: .inject, stepIndex: step.index, at: step.injectAt))
            out.append(ScheduledAction(kind: .revert, stepIndex: step.index, at: step.revertAt))
        }
        return out.sorted {
            if $0.at != $1.at { return $0.at < $1.at }
            if $0.kind != $1.kind { return $0.kind == .revert }
            return $0.stepIndex < $1.stepIndex
        }
    }
}

public struct ScheduledAction: Sendable, Equatable {
    public enum Kind: String, Sendable { case inject, revert }
    public var kind: Kind
    public var stepIndex: Int
    public var at: TimeSpan
}

public struct ScheduledStep: Sendable, Codable, Equatable {
    public var index: Int
    public var name: String
    /// The concrete fault (a `random` step's pick, never `.random`).
    public var fault: Fault
    /// For a `random` step: the kinds it picked from.
    public var randomFrom: [String]?
    public var targets: [Target]
    public var proxy: ProxySpec?
    /// Offsets from the start of the run.
    public var injectAt: TimeSpan
    public var revertAt: TimeSpan
    /// What will run, per target, to inject and to revert (for `gameday plan`).
    public var preview: [CommandPreview]

    public init(index: Int, name: String, fault: Fault, randomFrom: [String]? = nil, targets: [Target],
                proxy: ProxySpec? = nil, injectAt: TimeSpan, revertAt: TimeSpan, preview: [CommandPreview] = []) {
        self.index = index; self.name = name; self.fault = fault; self.randomFrom = randomFrom; self.targets = targets
        self.proxy = proxy; self.injectAt = injectAt; self.revertAt = revertAt; self.preview = preview
    }
}

/// What a step will do on one target, for humans: readable lines (what is applied, the lease, the revert) and the
/// exact, copy-pasteable command lines (`gameday plan --exact`), both rendered from the value the injector runs.
public struct CommandPreview: Sendable, Codable, Equatable {
    public var target: String
    /// The exact inject command lines.
    public var inject: [String]
    /// The exact revert command lines (or why there is nothing to revert).
    public var revert: [String]
    /// Readable lines for the inject: what is applied, its rules or actions, the lease and when it fires.
    public var summary: [String]
    /// Readable lines for the revert.
    public var revertSummary: [String]

    public init(target: String, inject: [String], revert: [String], summary: [String] = [], revertSummary: [String] = []) {
        self.target = target; self.inject = inject; self.revert = revert; self.summary = summary
        self.revertSummary = revertSummary
    }

    private enum CodingKeys: String, CodingKey { case target, inject, revert, summary, revertSummary }

    /// Journals and `plan --json` written before the readable lines existed decode with them empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        target = try c.decode(String.self, forKey: .target)
        inject = try c.decodeIfPresent([String].self, forKey: .inject) ?? []
        revert = try c.decodeIfPresent([String].self, forKey: .revert) ?? []
        summary = try c.decodeIfPresent([String].self, forKey: .summary) ?? []
        revertSummary = try c.decodeIfPresent([String].self, forKey: .revertSummary) ?? []
    }
}
