/// A game day as a plan file describes it, decoded and validated (see `GameDayPlan`).
public struct Plan: Sendable, Codable, Equatable {
    public var version: Int
    public var name: String
    public var description: String?
    public var environment: Environment
    public var runbook: String?
    public var risk: String?
    public var seed: UInt64?
    public var inventory: String?
    public var targets: [Target]
    public var proxies: [ProxySpec]
    public var health: [HealthCheckSpec]
    public var hypothesis: [HypothesisSpec]
    public var guardrails: [GuardrailSpec]
    public var timeline: Timeline
    public var steps: [Step]
    /// Where the run learns which of the team's alerts fired (`alerts:`); nil: detection by alerts is not measured.
    public var alerts: AlertsSpec? = nil

    public init(version: Int = 1, name: String, description: String? = nil, environment: Environment = .staging,
                runbook: String? = nil, risk: String? = nil, seed: UInt64? = nil, inventory: String? = nil,
                targets: [Target] = [], proxies: [ProxySpec] = [], health: [HealthCheckSpec] = [],
                hypothesis: [HypothesisSpec] = [], guardrails: [GuardrailSpec] = [],
                timeline: Timeline = Timeline(), steps: [Step] = []) {
        self.version = version; self.name = name; self.description = description; self.environment = environment
        self.runbook = runbook; self.risk = risk; self.seed = seed; self.inventory = inventory; self.targets = targets
        self.proxies = proxies; self.health = health; self.hypothesis = hypothesis; self.guardrails = guardrails
        self.timeline = timeline; self.steps = steps
    }

    public enum Environment: String, Sendable, Codable, CaseIterable { case staging, production }
}

/// A host a step can hit.
public struct Target: Sendable, Codable, Equatable, Hashable {
    public var name: String
    public var address: String?
    public var tags: [String: String]
    public var access: Access
    public var process: ProcessSelector?

    public init(name: String, address: String? = nil, tags: [String: String] = [:], access: Access = .local,
                process: ProcessSelector? = nil) {
        self.name = name; self.address = address; self.tags = tags; self.access = access; self.process = process
    }
}

/// How gameday reaches a target.
public enum Access: Sendable, Codable, Equatable, Hashable {
    case local
    case ssh(SSHAccess)
}

public struct SSHAccess: Sendable, Codable, Equatable, Hashable {
    public var user: String?
    public var port: Int?
    public var identity: String?
    public var options: [String]
    public var knownHosts: String?
    /// Lets `options` carry ssh options that run commands on the controller (ProxyCommand, LocalCommand, ...).
    public var allowLocalCommands: Bool

    public init(user: String? = nil, port: Int? = nil, identity: String? = nil, options: [String] = [], knownHosts: String? = nil,
                allowLocalCommands: Bool = false) {
        self.user = user; self.port = port; self.identity = identity; self.options = options; self.knownHosts = knownHosts
        self.allowLocalCommands = allowLocalCommands
    }

    /// Journals written before `allowLocalCommands` existed lack the key.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        user = try c.decodeIfPresent(String.self, forKey: .user)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        identity = try c.decodeIfPresent(String.self, forKey: .identity)
        options = try c.decode([String].self, forKey: .options)
        knownHosts = try c.decodeIfPresent(String.self, forKey: .knownHosts)
        allowLocalCommands = try c.decodeIfPresent(Bool.self, forKey: .allowLocalCommands) ?? false
    }
}

/// Which process on a target is "the service" for node-loss faults.
public struct ProcessSelector: Sendable, Codable, Equatable, Hashable {
    public var pidFile: String?
    public var pattern: String?
    public var systemdUnit: String?

    public init(pidFile: String? = nil, pattern: String? = nil, systemdUnit: String? = nil) {
        self.pidFile = pidFile; self.pattern = pattern; self.systemdUnit = systemdUnit
    }
}

/// A sidecar fault proxy a plan may use: started by the run (`listen` + `upstream`) or reached at `api`.
public struct ProxySpec: Sendable, Codable, Equatable {
    public var name: String
    public var listen: String?
    public var upstream: String?
    public var api: String?

    public init(name: String, listen: String? = nil, upstream: String? = nil, api: String? = nil) {
        self.name = name; self.listen = listen; self.upstream = upstream; self.api = api
    }
}

/// A probe run every `interval`, turning unhealthy after `failuresToUnhealthy` consecutive failures and healthy
/// again after `successesToHealthy` consecutive successes.
public struct HealthCheckSpec: Sendable, Codable, Equatable {
    public var name: String
    public var kind: Kind
    public var interval: TimeSpan
    public var timeout: TimeSpan
    public var failuresToUnhealthy: Int
    public var successesToHealthy: Int
    /// HTTP and TCP checks: a successful probe that took longer than this counts as a failure for health
    /// (availability still counts it as a success). nil: speed does not matter.
    public var slowerThan: TimeSpan?

    public init(name: String, kind: Kind, interval: TimeSpan = .seconds(1), timeout: TimeSpan = .seconds(2),
                failuresToUnhealthy: Int = 3, successesToHealthy: Int = 2, slowerThan: TimeSpan? = nil) {
        self.name = name; self.kind = kind; self.interval = interval; self.timeout = timeout
        self.failuresToUnhealthy = failuresToUnhealthy; self.successesToHealthy = successesToHealthy
        self.slowerThan = slowerThan
    }

    public enum Kind: Sendable, Codable, Equatable {
        case http(HTTPCheck)
        case tcp(host: String, port: Int)
        case command(argv: [String])
        case prometheus(PrometheusCheck)
    }
}

public struct HTTPCheck: Sendable, Codable, Equatable {
    public var url: String
    public var method: String
    public var expectStatus: [Int]
    public var bodyContains: String?
    public var headers: [String: String]

    public init(url: String, method: String = "GET", expectStatus: [Int] = [200], bodyContains: String? = nil,
                headers: [String: String] = [:]) {
        self.url = url; self.method = method; self.expectStatus = expectStatus; self.bodyContains = bodyContains
        self.headers = headers
    }
}

/// The plan's `alerts:` section: gameday receives Alertmanager webhooks and/or polls Alertmanager's API v2 during the
/// run, and journals every matching alert that fires or resolves.
public struct AlertsSpec: Sendable, Codable, Equatable {
    /// `HOST:PORT` the webhook receiver listens on (loopback unless `tokenEnv` is set).
    public var webhook: String?
    /// Alertmanager's base URL, polled at `pollInterval` on `/api/v2/alerts`.
    public var alertmanager: String?
    /// Which alerts count; all of them when empty.
    public var matchers: [AlertMatcher]
    public var pollInterval: TimeSpan
    /// The name of an environment variable holding the bearer token webhooks must carry (required off loopback).
    public var tokenEnv: String?

    public init(webhook: String? = nil, alertmanager: String? = nil, matchers: [AlertMatcher] = [],
                pollInterval: TimeSpan = .seconds(1), tokenEnv: String? = nil) {
        self.webhook = webhook; self.alertmanager = alertmanager; self.matchers = matchers
        self.pollInterval = pollInterval; self.tokenEnv = tokenEnv
    }
}

/// A PromQL instant query evaluated through Prometheus' HTTP API (`GET <url>/api/v1/query`); healthy while its single
/// value stays below `healthyBelow` or above `healthyAbove` (exactly one is set).
public struct PrometheusCheck: Sendable, Codable, Equatable {
    /// The Prometheus server's base URL (`http://127.0.0.1:9090`), without `/api/v1/query`.
    public var url: String
    public var query: String
    public var healthyBelow: Double?
    public var healthyAbove: Double?
    /// Extra request headers (not secret: they are journaled with the plan's checks).
    public var headers: [String: String]
    /// The name of an environment variable holding a bearer token; read when the probe starts, never journaled.
    public var bearerTokenEnv: String?

    public init(url: String, query: String, healthyBelow: Double? = nil, healthyAbove: Double? = nil,
                headers: [String: String] = [:], bearerTokenEnv: String? = nil) {
        self.url = url; self.query = query; self.healthyBelow = healthyBelow; self.healthyAbove = healthyAbove
        self.headers = headers; self.bearerTokenEnv = bearerTokenEnv
    }

    /// Why `value` is unhealthy, or nil when it is within bounds. NaN is never healthy.
    public func judge(_ value: Double) -> String? {
        if value.isNaN { return "value is NaN" }
        if let below = healthyBelow, !(value < below) {
            return "value \(PrometheusCheck.format(value)) is not below \(PrometheusCheck.format(below))"
        }
        if let above = healthyAbove, !(value > above) {
            return "value \(PrometheusCheck.format(value)) is not above \(PrometheusCheck.format(above))"
        }
        return nil
    }

    /// A value as reports print it: at most 6 significant digits, no trailing zeros, `+Inf`/`-Inf`/`NaN` as
    /// Prometheus spells them.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var s = String(format: "%.6g", value)
        if s.contains("."), !s.contains("e") { while s.hasSuffix("0") { s.removeLast() } }
        return s
    }
}

/// What must hold for a check, judged separately in each phase.
public struct HypothesisSpec: Sendable, Codable, Equatable {
    public var check: String
    /// Minimum availability in percent (successful probes / probes).
    public var availability: Double?
    public var latencyP50: TimeSpan?
    public var latencyP90: TimeSpan?
    public var latencyP99: TimeSpan?
    /// The phases the hypothesis is judged in; all three when empty.
    public var phases: [Phase]
    /// Prometheus checks: every evaluated value in the phase must stay below / above this.
    public var valueBelow: Double?
    public var valueAbove: Double?

    public init(check: String, availability: Double? = nil, latencyP50: TimeSpan? = nil, latencyP90: TimeSpan? = nil,
                latencyP99: TimeSpan? = nil, phases: [Phase] = [], valueBelow: Double? = nil, valueAbove: Double? = nil) {
        self.check = check; self.availability = availability; self.latencyP50 = latencyP50
        self.latencyP90 = latencyP90; self.latencyP99 = latencyP99; self.phases = phases
        self.valueBelow = valueBelow; self.valueAbove = valueAbove
    }

    public var judgedPhases: [Phase] { phases.isEmpty ? Phase.allCases : phases }
}

/// A condition that aborts the chaos: everything is reverted at once and the run is marked aborted.
public struct GuardrailSpec: Sendable, Codable, Equatable {
    public var check: String
    public var condition: Condition

    public init(check: String, condition: Condition) { self.check = check; self.condition = condition }

    public enum Condition: Sendable, Codable, Equatable {
        /// The check has been unhealthy (continuously) for at least this long.
        case unhealthyFor(TimeSpan)
        /// Availability over the trailing window fell below this percentage.
        case availabilityBelow(percent: Double, window: TimeSpan)
    }

    /// A one-line human description, used in journals and postmortems.
    public var summary: String {
        switch condition {
        case .unhealthyFor(let span): return "\(check) unhealthy for \(span)"
        case .availabilityBelow(let percent, let window):
            return "\(check) availability below \(Percent.format(percent)) over \(window)"
        }
    }
}

public struct Timeline: Sendable, Codable, Equatable {
    public var baseline: TimeSpan
    public var recovery: TimeSpan

    public init(baseline: TimeSpan = .seconds(10), recovery: TimeSpan = .seconds(30)) {
        self.baseline = baseline; self.recovery = recovery
    }
}

/// The three phases of a run.
public enum Phase: String, Sendable, Codable, CaseIterable, Comparable {
    case baseline, chaos, recovery

    public static func < (lhs: Phase, rhs: Phase) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One fault at an offset (from the end of the baseline) for a duration.
public struct Step: Sendable, Codable, Equatable {
    public var name: String
    public var at: TimeSpan
    public var duration: TimeSpan
    public var fault: Fault
    public var targets: Selector?
    public var proxy: String?

    public init(name: String, at: TimeSpan, duration: TimeSpan, fault: Fault, targets: Selector? = nil, proxy: String? = nil) {
        self.name = name; self.at = at; self.duration = duration; self.fault = fault; self.targets = targets
        self.proxy = proxy
    }
}

/// Which targets a step hits: filter by names or tags, then take all, a count or a percentage (seeded).
public struct Selector: Sendable, Codable, Equatable {
    public var names: [String]
    public var tags: [String: String]
    public var pick: Pick
    /// Blast-radius cap in percent of the matching group.
    public var maxPercent: Double?

    public init(names: [String] = [], tags: [String: String] = [:], pick: Pick = .all, maxPercent: Double? = nil) {
        self.names = names; self.tags = tags; self.pick = pick; self.maxPercent = maxPercent
    }

    public enum Pick: Sendable, Codable, Equatable {
        case all
        case count(Int)
        case percent(Double)
    }

    /// Whether a target is in the group this selector filters down to.
    public func matches(_ target: Target) -> Bool {
        if !names.isEmpty && !names.contains(target.name) { return false }
        for (key, value) in tags where target.tags[key] != value { return false }
        return true
    }

    /// How many of `groupSize` matching targets the pick takes.
    public func pickCount(groupSize: Int) -> Int {
        switch pick {
        case .all: return groupSize
        case .count(let n): return min(n, groupSize)
        case .percent(let p):
            guard groupSize > 0 else { return 0 }
            return min(groupSize, max(1, Int((Double(groupSize) * p / 100).rounded(.up))))
        }
    }
}

/// Percentages as plans write them (`99%`, `99.5%`).
public enum Percent {
    /// Parses `99%` or `99.5%` into 99 / 99.5; nil for anything else.
    public static func parse(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix("%"), let value = Double(t.dropLast()), value.isFinite else { return nil }
        return value
    }

    public static func format(_ value: Double) -> String {
        if value == value.rounded() { return "\(Int(value))%" }
        var s = String(format: "%.3f", value)
        while s.hasSuffix("0") { s.removeLast() }
        return s + "%"
    }
}

import Foundation
