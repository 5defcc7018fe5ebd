import Foundation

/// One line of a preflight: a subject (a host, a proxy, a check, the controller), one requirement, and the verdict.
public struct PreflightItem: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Met.
        case ok
        /// Met, but worth knowing (a clock offset); does not make the plan "not ready".
        case warning
        /// Not met: the run would fail here.
        case failed
    }

    /// `web-3`, `proxy payments`, `check storefront`, `controller`.
    public var subject: String
    /// `ssh`, `nft or iptables`, `netem qdisc`, `lease directory`, `clock`, …
    public var requirement: String
    public var status: Status
    /// What was found (the tool's path, the lease keeper) or why it failed (the host's own words).
    public var detail: String
    /// What to do about a failure.
    public var fix: String?
    /// The steps that need it (empty for requirements of the host itself, such as ssh).
    public var steps: [String]

    public init(subject: String, requirement: String, status: Status, detail: String, fix: String? = nil, steps: [String] = []) {
        self.subject = subject; self.requirement = requirement; self.status = status; self.detail = detail
        self.fix = fix; self.steps = steps
    }
}

/// What `gameday preflight` found, in a stable order (subjects as the plan names them, then requirement).
public struct PreflightReport: Sendable, Codable, Equatable {
    public var items: [PreflightItem]
    /// Lease rehearsals, when `--rehearse` ran.
    public var rehearsals: [LeaseRehearsal]

    public init(items: [PreflightItem], rehearsals: [LeaseRehearsal] = []) {
        self.items = items; self.rehearsals = rehearsals
    }

    public var failures: [PreflightItem] { items.filter { $0.status == .failed } }
    public var ready: Bool { failures.isEmpty && rehearsals.allSatisfy(\.passed) }

    /// `gameday preflight`'s exit status: 0 ready, 1 not ready.
    public var exitCode: Int32 { ready ? 0 : 1 }

    /// One line per subject and requirement (✔, ! or ✗), the fix under each failure, then a summary line.
    public func render() -> String {
        var lines: [String] = []
        let width = min(24, items.map(\.subject.count).max() ?? 0)
        for item in items {
            let mark: String
            switch item.status {
            case .ok: mark = "✔"
            case .warning: mark = "!"
            case .failed: mark = "✗"
            }
            let subject = item.subject.padding(toLength: max(width, item.subject.count), withPad: " ", startingAt: 0)
            var line = "\(mark) \(subject)  \(item.requirement)"
            if !item.steps.isEmpty { line += " (for \(item.steps.joined(separator: ", ")))" }
            if !item.detail.isEmpty { line += ": \(item.detail)" }
            lines.append(line)
            if item.status != .ok, let fix = item.fix { lines.append("    → \(fix)") }
        }
        for rehearsal in rehearsals {
            lines.append((rehearsal.passed ? "✔ " : "✗ ") + rehearsal.summary)
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    /// `ready: 14 checks passed on 3 hosts` or `not ready: 2 of 14 checks failed (web-3, proxy payments)`.
    public var summary: String {
        let hosts = Set(items.filter { !$0.subject.contains(" ") && $0.subject != "controller" }.map(\.subject)).count
        let warnings = items.filter { $0.status == .warning }.count
        let failedRehearsals = rehearsals.filter { !$0.passed }
        let warningText = warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : ""
        let rehearsalText = rehearsals.isEmpty ? "" : "; \(rehearsals.count - failedRehearsals.count) of \(rehearsals.count) lease rehearsals fired on time"
        if ready {
            let on = hosts == 0 ? "" : " on \(hosts) host\(hosts == 1 ? "" : "s")"
            return "ready: \(items.count) check\(items.count == 1 ? "" : "s") passed\(on)\(warningText)\(rehearsalText)"
        }
        var subjects: [String] = []
        for subject in failures.map(\.subject) + failedRehearsals.map(\.host) where !subjects.contains(subject) { subjects.append(subject) }
        return "not ready: \(failures.count) of \(items.count) checks failed (\(subjects.joined(separator: ", ")))\(warningText)\(rehearsalText)"
    }

    /// Pretty JSON with sorted keys, for `--json` and the journal.
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The rehearsal of one host's dead man's switch: a marker fault applied with a short lease whose revert was
/// withheld, and when (and whether) the lease removed it.
public struct LeaseRehearsal: Sendable, Codable, Equatable {
    public var host: String
    /// The marker's kind: `nftables table`, `qdisc`, `marker file`.
    public var marker: String
    /// How the lease was kept on the host (`systemd timer …` or `watchdog pid …`).
    public var keeper: String
    public var leaseSeconds: Int64
    /// Seconds from the apply until the marker was seen gone; nil when it was still there at the deadline.
    public var firedAfter: Double?
    /// Why the rehearsal could not be judged (apply failed, host unreachable), or what was left and removed.
    public var problem: String?

    public init(host: String, marker: String, keeper: String, leaseSeconds: Int64, firedAfter: Double?, problem: String? = nil) {
        self.host = host; self.marker = marker; self.keeper = keeper; self.leaseSeconds = leaseSeconds
        self.firedAfter = firedAfter; self.problem = problem
    }

    /// The lease fired, no more than 2 s after its deadline (the issue's promise; systemd timers are set to 100 ms
    /// accuracy, a watchdog sleeps whole seconds).
    public var passed: Bool {
        guard problem == nil, let firedAfter else { return false }
        return firedAfter <= Double(leaseSeconds) + 2
    }

    public var delay: Double? { firedAfter.map { $0 - Double(leaseSeconds) } }

    public var summary: String {
        if let firedAfter, problem == nil {
            let delay = String(format: "%+.1f s", firedAfter - Double(leaseSeconds))
            return "\(host)  lease rehearsal (\(marker), \(keeper)): fired after \(String(format: "%.1f", firedAfter)) s for a \(leaseSeconds) s lease (\(delay))"
        }
        return "\(host)  lease rehearsal (\(marker), \(keeper)): \(problem ?? "the lease did not remove the marker within \(leaseSeconds + 2) s")"
    }
}
