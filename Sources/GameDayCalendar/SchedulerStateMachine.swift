import Foundation
import GameDayCore

/// The daemon's decisions, as a pure state machine: given the time, today's recorded decisions and the gates, it
/// says what to do next. The `SchedulerService` carries the actions out and reports back; nothing here sleeps,
/// reads a clock or touches a file, so every rule is tested on a manual clock.
///
/// Safety rules enforced here: nothing starts outside its window or when it would not be over (with the revert
/// time to spare) before the window ends; nothing starts while paused, with the kill switch present, or before the
/// outage check has passed; a decision starts only from `planned` (the store makes that transition durable and
/// exclusive); one run at a time; a run still going at its abort time is aborted.
public struct SchedulerStateMachine: Sendable {
    /// Where the daemon is in a decision's life.
    public enum State: Sendable, Equatable {
        case idle
        case checkingOutage(id: String)
        case running(id: String, abortAt: Date, abortRequested: Bool)
        case stopping
    }

    /// What gates starts right now.
    public struct Gates: Sendable, Equatable {
        /// Non-nil while paused: the reason given (may be empty).
        public var pausedReason: String?
        public var killSwitchPresent: Bool
        public var leashed: Bool

        public init(pausedReason: String? = nil, killSwitchPresent: Bool = false, leashed: Bool = false) {
            self.pausedReason = pausedReason; self.killSwitchPresent = killSwitchPresent; self.leashed = leashed
        }
    }

    /// What the service must do next.
    public enum Action: Sendable, Equatable {
        /// Nothing to do before `until` (nil: nothing more today).
        case wait(until: Date?)
        /// Record the decision as skipped.
        case skip(id: String, reason: SkipReason, detail: String)
        /// Run the outage check for the decision, then call `outageChecked`.
        case checkOutage(id: String)
        /// Record `starting` durably, spawn the run, then call `runStarted` (or `runFinished` if it failed to spawn).
        case start(id: String)
        /// Leashed: record that it would have started now, inject nothing.
        case recordLeashed(id: String)
        /// Send the run SIGTERM (it reverts), wait for it, record it aborted.
        case abort(id: String, reason: AbortReason)
        /// Shutting down and nothing is running: return.
        case stop
    }

    public private(set) var state: State = .idle
    /// When the last run this process executed was going, to tell `busy` from `missed` skips.
    private var lastRun: (start: Date, end: Date)?

    public init() {}

    /// The next action at `now`.
    ///
    /// - Parameter decisions: today's decisions as stored (any status; only `planned` ones are considered).
    public mutating func tick(now: Date, decisions: [DecisionSnapshot], gates: Gates) -> Action {
        switch state {
        case .stopping:
            return .stop
        case .running(let id, let abortAt, let requested):
            if now >= abortAt && !requested {
                state = .running(id: id, abortAt: abortAt, abortRequested: true)
                return .abort(id: id, reason: .windowEnd)
            }
            return .wait(until: requested ? nil : abortAt)
        case .checkingOutage(let id):
            // A tick while the check is out changes nothing; the check's answer drives the next step.
            return .checkOutage(id: id)
        case .idle:
            break
        }
        let planned = decisions.filter { $0.status == .planned }.sorted { ($0.startAt, $0.id) < ($1.startAt, $1.id) }
        guard let due = planned.first(where: { $0.startAt <= now }) else {
            return .wait(until: planned.first?.startAt)
        }
        if let skip = gate(due, now: now, gates: gates) { return skip }
        if gates.leashed { return .recordLeashed(id: due.id) }
        state = .checkingOutage(id: due.id)
        return .checkOutage(id: due.id)
    }

    /// What the outage check found.
    public enum OutageResult: Sendable, Equatable {
        case healthy
        /// The failing checks, each with a reason.
        case unhealthy([String])
        /// The plan could not be read (so neither its checks nor its length are known).
        case planUnavailable(String)
    }

    /// The outage check's answer for the decision being checked. `decision` carries the plan's current length.
    public mutating func outageChecked(now: Date, decision: DecisionSnapshot, result: OutageResult, gates: Gates) -> Action {
        guard case .checkingOutage(let id) = state, id == decision.id else {
            return state == .stopping ? .stop : .wait(until: nil)
        }
        state = .idle
        guard decision.status == .planned else { return .wait(until: nil) }
        // Time passed during the check: the gates and the fit are judged again.
        if let skip = gate(decision, now: now, gates: gates) { return skip }
        switch result {
        case .healthy: break
        case .unhealthy(let unhealthy):
            return .skip(id: decision.id, reason: .outage, detail: "unhealthy before start: " + unhealthy.joined(separator: "; "))
        case .planUnavailable(let why):
            return .skip(id: decision.id, reason: .planUnavailable, detail: why)
        }
        state = .running(id: decision.id, abortAt: decision.abortAt, abortRequested: false)
        return .start(id: decision.id)
    }

    /// The run ended (or failed to spawn) at `now`.
    public mutating func runFinished(id: String, startedAt: Date, now: Date) {
        lastRun = (startedAt, now)
        if case .running(let running, _, _) = state, running == id { state = .idle }
    }

    /// The leader lease was lost: abort what runs (once); the service starts nothing until it leads again.
    public mutating func leadershipLost() -> Action {
        if case .running(let id, let abortAt, let requested) = state, !requested {
            state = .running(id: id, abortAt: abortAt, abortRequested: true)
            return .abort(id: id, reason: .leadershipLost)
        }
        return .wait(until: nil)
    }

    /// Graceful shutdown: abort what runs, start nothing more.
    public mutating func shutdown() -> Action {
        switch state {
        case .running(let id, _, let requested):
            state = .stopping
            return requested ? .wait(until: nil) : .abort(id: id, reason: .shutdown)
        default:
            state = .stopping
            return .stop
        }
    }

    private func gate(_ decision: DecisionSnapshot, now: Date, gates: Gates) -> Action? {
        if now.addingTimeInterval(decision.plannedDuration.seconds) > decision.abortAt || now >= decision.abortAt {
            let busy = lastRun.map { decision.startAt >= $0.start && decision.startAt <= $0.end } ?? false
            return .skip(id: decision.id, reason: busy ? .busy : .missed,
                         detail: busy ? "another run was still going and afterwards it no longer fitted the window"
                                      : "the start time passed and the run no longer fits the window")
        }
        if let reason = gates.pausedReason {
            return .skip(id: decision.id, reason: .paused, detail: reason.isEmpty ? "paused" : "paused: \(reason)")
        }
        if gates.killSwitchPresent {
            return .skip(id: decision.id, reason: .killSwitch, detail: "the kill switch file exists")
        }
        return nil
    }

    /// What a decision left unresolved by a previous daemon (status `starting` or `running`) becomes, given what
    /// its run directory's journal says. Pure: the service reads the journal and carries out the result.
    public static func resolveAfterRestart(journal: JournalState) -> RestartResolution {
        switch journal {
        case .noRun:
            // The daemon died between recording `starting` and the run writing its journal: a fault is journaled
            // before it is applied, so nothing was applied.
            return RestartResolution(status: .interrupted, detail: "the daemon stopped before the run wrote its journal; nothing was applied", recover: false)
        case .unfinished:
            return RestartResolution(status: .interrupted, detail: "the daemon stopped while the run was going; its faults were handed to `gameday recover`", recover: true)
        case .finished(let status, let stillActive):
            if !stillActive.isEmpty {
                return RestartResolution(status: .revertFailed, detail: "journal: reverts gave up for \(stillActive.joined(separator: ", "))", recover: true)
            }
            switch status {
            case "completed": return RestartResolution(status: .completed, detail: "journal: the run completed (verdict in its postmortem)", recover: false)
            case "aborted": return RestartResolution(status: .aborted, detail: "journal: a guardrail aborted the run", recover: false)
            case "interrupted": return RestartResolution(status: .interrupted, detail: "journal: the run was interrupted and reverted", recover: false)
            default: return RestartResolution(status: .failed, detail: "journal: the run ended with status \(status)", recover: false)
            }
        }
    }
}

/// Why a running run was aborted.
public enum AbortReason: String, Sendable, Codable, CaseIterable {
    case windowEnd = "window-end"
    case shutdown
    /// This replica could not renew its leader lease before the TTL: another may lead now.
    case leadershipLost = "leadership-lost"
}

/// What the state machine needs to know about a stored decision.
public struct DecisionSnapshot: Sendable, Equatable {
    public var id: String
    public var status: DecisionStatus
    public var startAt: Date
    public var plannedDuration: TimeSpan
    public var abortAt: Date

    public init(id: String, status: DecisionStatus, startAt: Date, plannedDuration: TimeSpan, abortAt: Date) {
        self.id = id; self.status = status; self.startAt = startAt; self.plannedDuration = plannedDuration
        self.abortAt = abortAt
    }
}

/// A decision's life. Raw values are stored.
public enum DecisionStatus: String, Sendable, Codable, CaseIterable {
    case planned
    case skipped
    /// Leashed mode: it would have started; nothing was injected.
    case leashed
    /// Recorded durably just before the run is spawned.
    case starting
    case running
    /// `gameday run` exit 0: the hypothesis held.
    case held
    /// Exit 1: the hypothesis was violated.
    case violated
    /// Exit 3 (a guardrail), or aborted by the scheduler at the window's end or on shutdown.
    case aborted
    /// Exit 3 before any fault: the run's preflight found a target not ready (the reasons are in the detail).
    case notReady = "not-ready"
    /// Exit 2: the plan is invalid.
    case invalid
    /// Exit 4: a revert failed; faults may still be active.
    case revertFailed = "revert-failed"
    /// Any other exit, or the run could not be spawned.
    case failed
    /// The daemon stopped while the run was going (resolved at restart).
    case interrupted
    /// Found finished in its journal at restart (the verdict is in its postmortem).
    case completed

    /// Whether the decision is over for good.
    public var isFinal: Bool { self != .planned && self != .starting && self != .running }
    /// Whether a run was started (counts for minimum gaps and the per-day limit).
    public var started: Bool { ![.planned, .skipped, .leashed].contains(self) }
}

/// What a decision's run directory says, read at restart.
public enum JournalState: Sendable, Equatable {
    /// No run directory (or no journal in it).
    case noRun
    /// A journal without `run.end`.
    case unfinished
    /// `run.end` with its status and the faults the journal shows still applied (reverts that gave up, not
    /// reverted since).
    case finished(status: String, stillActive: [String])
}

/// How a decision left unresolved is recorded.
public struct RestartResolution: Sendable, Equatable {
    public var status: DecisionStatus
    public var detail: String
    /// Whether the run must be settled with `gameday recover RUN_DIR` (`RunSettlement`).
    public var recover: Bool
}
