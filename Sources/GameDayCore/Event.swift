import Foundation

/// One line of a run's journal (`runs/<id>/journal.jsonl`).
///
/// `t` is milliseconds since the run started on a monotonic clock (used for every duration in the report);
/// `wall` is the wall-clock time in Unix milliseconds (shown beside it). `seq` numbers events from 1.
public struct JournalEvent: Sendable, Equatable {
    public var seq: Int
    public var t: Int64
    public var wall: Int64
    public var body: EventBody

    public init(seq: Int, t: Int64, wall: Int64, body: EventBody) {
        self.seq = seq; self.t = t; self.wall = wall; self.body = body
    }
}

/// What happened. Encoded flat: `{"seq":..,"t":..,"wall":..,"type":"inject.begin", ...payload}`.
public enum EventBody: Sendable, Equatable {
    case runStart(RunStart)
    case phase(PhaseChange)
    case injectBegin(InjectBegin)
    case injectEnd(FaultOutcome)
    case revertBegin(RevertBegin)
    case revertEnd(FaultOutcome)
    case probe(ProbeSample)
    case health(HealthTransition)
    case guardrail(GuardrailTrip)
    case mark(OperatorMark)
    case signal(SignalReceived)
    case error(RunError)
    case runEnd(RunEnd)
    case alert(AlertEvent)
    case alertSource(AlertSourceStatus)
    /// What `gameday run`'s preflight found during the baseline (absent with --no-preflight).
    case preflight(PreflightReport)

    public var type: String {
        switch self {
        case .runStart: return "run.start"
        case .phase: return "phase"
        case .injectBegin: return "inject.begin"
        case .injectEnd: return "inject.end"
        case .revertBegin: return "revert.begin"
        case .revertEnd: return "revert.end"
        case .probe: return "probe"
        case .health: return "health"
        case .guardrail: return "guardrail"
        case .mark: return "mark"
        case .signal: return "signal"
        case .error: return "error"
        case .runEnd: return "run.end"
        case .alert: return "alert"
        case .alertSource: return "alert.source"
        case .preflight: return "preflight"
        }
    }
}

/// Everything the report needs about the run that is not an event: the plan's intent and the resolved schedule.
public struct RunStart: Sendable, Codable, Equatable {
    public var runID: String
    public var planName: String
    public var planFile: String
    public var description: String?
    public var environment: Plan.Environment
    public var runbook: String?
    public var risk: String?
    public var dryRun: Bool
    public var checks: [HealthCheckSpec]
    public var hypothesis: [HypothesisSpec]
    public var guardrails: [GuardrailSpec]
    public var schedule: Schedule
    public var version: String
    /// The plan's `alerts:` section, when the run measured detection by alerts.
    public var alerts: AlertsSpec? = nil
    /// A blind drill (`--blind`): participants are not told which fault, step or target is active.
    public var blind: Bool?

    public init(runID: String, planName: String, planFile: String, description: String?, environment: Plan.Environment,
                runbook: String?, risk: String?, dryRun: Bool, checks: [HealthCheckSpec], hypothesis: [HypothesisSpec],
                guardrails: [GuardrailSpec], schedule: Schedule, version: String) {
        self.runID = runID; self.planName = planName; self.planFile = planFile; self.description = description
        self.environment = environment; self.runbook = runbook; self.risk = risk; self.dryRun = dryRun
        self.checks = checks; self.hypothesis = hypothesis; self.guardrails = guardrails; self.schedule = schedule
        self.version = version
    }
}

public struct PhaseChange: Sendable, Codable, Equatable {
    public var phase: Phase
    public init(phase: Phase) { self.phase = phase }
}

/// Written and fsync'd before a fault is applied: enough to revert it with the journal alone.
public struct InjectBegin: Sendable, Codable, Equatable {
    /// Unique within the run: `<step index>.<target>`.
    public var faultID: String
    public var step: String
    public var stepIndex: Int
    public var fault: String
    public var target: String
    public var description: String
    public var recipe: RevertRecipe

    public init(faultID: String, step: String, stepIndex: Int, fault: String, target: String, description: String,
                recipe: RevertRecipe) {
        self.faultID = faultID; self.step = step; self.stepIndex = stepIndex; self.fault = fault; self.target = target
        self.description = description; self.recipe = recipe
    }
}

/// How an inject or a revert ended.
public struct FaultOutcome: Sendable, Codable, Equatable {
    public var faultID: String
    public var ok: Bool
    public var detail: String?
    public var error: String?
    /// For a revert that gave up: what to run by hand.
    public var manual: String?

    public init(faultID: String, ok: Bool, detail: String? = nil, error: String? = nil, manual: String? = nil) {
        self.faultID = faultID; self.ok = ok; self.detail = detail; self.error = error; self.manual = manual
    }
}

public struct RevertBegin: Sendable, Codable, Equatable {
    public enum Reason: String, Sendable, Codable { case scheduled, guardrail, signal, error, recover, injectFailed }
    public var faultID: String
    public var reason: Reason
    public var attempt: Int

    public init(faultID: String, reason: Reason, attempt: Int = 1) {
        self.faultID = faultID; self.reason = reason; self.attempt = attempt
    }
}

/// One health-check result.
public struct ProbeSample: Sendable, Codable, Equatable {
    public var check: String
    public var ok: Bool
    /// Total time of the probe in milliseconds (nil if it never got that far).
    public var ms: Double?
    public var status: Int?
    public var error: String?
    /// Per-phase timings of HTTP probes, in milliseconds from the start of the probe.
    public var timings: PhaseTimings?
    /// A Prometheus check's evaluated value (set whenever the query returned one, healthy or not).
    public var value: Double?
    /// Set when a successful probe was slower than its check's `slowerThan`: the reason ("slow: 334 ms > 200 ms").
    /// Health counts such a probe as a failure; availability still counts it as a success.
    public var slow: String?

    public init(check: String, ok: Bool, ms: Double?, status: Int? = nil, error: String? = nil, timings: PhaseTimings? = nil,
                value: Double? = nil, slow: String? = nil) {
        self.check = check; self.ok = ok; self.ms = ms; self.status = status; self.error = error; self.timings = timings
        self.value = value; self.slow = slow
    }

    /// Whether health (transitions, TTD, `unhealthyFor` guardrails) counts this probe as a success.
    public var healthOK: Bool { ok && slow == nil }
    /// Why health counts this probe as a failure, if it does.
    public var healthError: String? { error ?? slow }

    /// This sample judged against a check's `slowerThan`: a successful probe that took longer gets its `slow` reason.
    public func judgingSpeed(slowerThan threshold: TimeSpan?) -> ProbeSample {
        guard let threshold, ok, let ms, ms > Double(threshold.milliseconds) else { return self }
        var judged = self
        judged.slow = "slow: \(Int(ms.rounded())) ms > \(threshold.milliseconds) ms"
        return judged
    }
}

public struct PhaseTimings: Sendable, Codable, Equatable {
    public var dns: Double
    public var connect: Double
    public var tls: Double
    public var firstByte: Double
    public var total: Double

    public init(dns: Double, connect: Double, tls: Double, firstByte: Double, total: Double) {
        self.dns = dns; self.connect = connect; self.tls = tls; self.firstByte = firstByte; self.total = total
    }
}

public enum HealthState: String, Sendable, Codable { case unknown, healthy, unhealthy }

public struct HealthTransition: Sendable, Codable, Equatable {
    public var check: String
    public var from: HealthState
    public var to: HealthState
    public var reason: String?

    public init(check: String, from: HealthState, to: HealthState, reason: String? = nil) {
        self.check = check; self.from = from; self.to = to; self.reason = reason
    }
}

public struct GuardrailTrip: Sendable, Codable, Equatable {
    public var guardrail: String
    public var check: String
    public var reason: String

    public init(guardrail: String, check: String, reason: String) {
        self.guardrail = guardrail; self.check = check; self.reason = reason
    }
}

/// An operator's mark typed during the run (at the terminal, or on the live console with a name and role).
public struct OperatorMark: Sendable, Codable, Equatable {
    /// `done`: a runbook checklist item ticked on the console (`text` is the item). In a blind drill, `diagnosis` is a
    /// participant's guess at what broke (`text`), and `correct` the facilitator's verdict on one (`ref` is its seq).
    public enum Kind: String, Sendable, Codable { case detected, mitigated, note, done, diagnosis, correct }
    public var kind: Kind
    public var text: String?
    /// Who made the mark on the console (absent for terminal marks).
    public var by: String?
    /// Their console role: facilitator, participant (absent for terminal marks).
    public var role: String?
    /// For `correct`: the seq of the diagnosis judged correct.
    public var ref: Int?

    public init(kind: Kind, text: String? = nil, by: String? = nil, role: String? = nil, ref: Int? = nil) {
        self.kind = kind; self.text = text; self.by = by; self.role = role; self.ref = ref
    }
}

public struct SignalReceived: Sendable, Codable, Equatable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct RunError: Sendable, Codable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

public struct RunEnd: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The schedule ran to its end.
        case completed
        /// A guardrail tripped and the chaos was cut short.
        case aborted
        /// SIGINT/SIGTERM cut the run short.
        case interrupted
        /// An error cut the run short.
        case failed
    }
    public var status: Status
    public var reason: String?
    /// Faults whose revert gave up (their ids).
    public var stillActive: [String]

    public init(status: Status, reason: String? = nil, stillActive: [String] = []) {
        self.status = status; self.reason = reason; self.stillActive = stillActive
    }
}

/// A matching alert that started firing or resolved, as Alertmanager reported it (webhook or API v2).
public struct AlertEvent: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case firing, resolved }
    public enum Source: String, Sendable, Codable { case webhook, api }
    public var status: Status
    /// The `alertname` label.
    public var name: String
    public var labels: [String: String]
    public var fingerprint: String
    /// Alertmanager's `startsAt` (RFC 3339), as sent.
    public var startsAt: String
    /// `endsAt` of a resolved alert.
    public var endsAt: String?
    public var source: Source

    public init(status: Status, name: String, labels: [String: String], fingerprint: String, startsAt: String,
                endsAt: String? = nil, source: Source) {
        self.status = status; self.name = name; self.labels = labels; self.fingerprint = fingerprint
        self.startsAt = startsAt; self.endsAt = endsAt; self.source = source
    }
}

/// Whether an alert source (the Alertmanager API, the webhook receiver) works: journaled when that changes.
public struct AlertSourceStatus: Sendable, Codable, Equatable {
    public var source: AlertEvent.Source
    public var available: Bool
    public var reason: String?

    public init(source: AlertEvent.Source, available: Bool, reason: String? = nil) {
        self.source = source; self.available = available; self.reason = reason
    }
}

// MARK: - Flat JSON coding

extension JournalEvent: Codable {
    private enum Keys: String, CodingKey { case seq, t, wall, type }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        seq = try c.decode(Int.self, forKey: .seq)
        t = try c.decode(Int64.self, forKey: .t)
        wall = try c.decode(Int64.self, forKey: .wall)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "run.start": body = .runStart(try RunStart(from: decoder))
        case "phase": body = .phase(try PhaseChange(from: decoder))
        case "inject.begin": body = .injectBegin(try InjectBegin(from: decoder))
        case "inject.end": body = .injectEnd(try FaultOutcome(from: decoder))
        case "revert.begin": body = .revertBegin(try RevertBegin(from: decoder))
        case "revert.end": body = .revertEnd(try FaultOutcome(from: decoder))
        case "probe": body = .probe(try ProbeSample(from: decoder))
        case "health": body = .health(try HealthTransition(from: decoder))
        case "guardrail": body = .guardrail(try GuardrailTrip(from: decoder))
        case "mark": body = .mark(try OperatorMark(from: decoder))
        case "signal": body = .signal(try SignalReceived(from: decoder))
        case "error": body = .error(try RunError(from: decoder))
        case "run.end": body = .runEnd(try RunEnd(from: decoder))
        case "alert": body = .alert(try AlertEvent(from: decoder))
        case "alert.source": body = .alertSource(try AlertSourceStatus(from: decoder))
        case "preflight": body = .preflight(try PreflightReport(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown event type \(type)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(t, forKey: .t)
        try c.encode(wall, forKey: .wall)
        try c.encode(body.type, forKey: .type)
        switch body {
        case .runStart(let v): try v.encode(to: encoder)
        case .phase(let v): try v.encode(to: encoder)
        case .injectBegin(let v): try v.encode(to: encoder)
        case .injectEnd(let v): try v.encode(to: encoder)
        case .revertBegin(let v): try v.encode(to: encoder)
        case .revertEnd(let v): try v.encode(to: encoder)
        case .probe(let v): try v.encode(to: encoder)
        case .health(let v): try v.encode(to: encoder)
        case .guardrail(let v): try v.encode(to: encoder)
        case .mark(let v): try v.encode(to: encoder)
        case .signal(let v): try v.encode(to: encoder)
        case .error(let v): try v.encode(to: encoder)
        case .runEnd(let v): try v.encode(to: encoder)
        case .alert(let v): try v.encode(to: encoder)
        case .alertSource(let v): try v.encode(to: encoder)
        case .preflight(let v): try v.encode(to: encoder)
        }
    }
}
