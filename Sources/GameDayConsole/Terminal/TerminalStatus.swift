import GameDayCore
import GameDayReport

/// The live status block `gameday run` keeps at the top of a terminal (pure): the plan, phase and countdown; the
/// active faults with their time left; one lamp per check. Built from the run's journal events as they are
/// recorded, so it shows nothing the journal does not hold. In a blind drill it never names a fault, step or target:
/// only how many faults are active.
public struct TerminalStatus: Sendable {
    struct ActiveFault: Sendable {
        var id: String
        var step: String
        var fault: String
        var target: String
        /// nil until inject.end says it is applied.
        var applied: Bool
        /// The planned revert, T+ ms.
        var revertAt: Int64?
    }

    public let blind: Bool
    /// The block's height in lines, fixed for the run so the scrolling log below it never moves.
    public static let height = 6
    /// At most this many faults are listed (then "+N more").
    static let faultLines = 3

    var planName = ""
    var phase: String = "starting"
    var totalMs: Int64?
    var chaosEndMs: Int64?
    var baselineMs: Int64?
    var checks: [String] = []
    var health: [String: HealthState] = [:]
    var faults: [ActiveFault] = []
    var revertAt: [Int: Int64] = [:]
    var ended: String?

    public init(blind: Bool) {
        self.blind = blind
    }

    /// Takes one recorded event into account.
    public mutating func apply(_ body: EventBody) {
        switch body {
        case .runStart(let start):
            planName = blind ? "blind drill" : start.planName
            checks = start.checks.map(\.name)
            totalMs = start.schedule.totalDuration.milliseconds
            chaosEndMs = start.schedule.chaosEnd.milliseconds
            baselineMs = start.schedule.baseline.milliseconds
            for step in start.schedule.steps { revertAt[step.index] = step.revertAt.milliseconds }
        case .phase(let change):
            phase = change.phase.rawValue
        case .health(let transition):
            health[transition.check] = transition.to
        case .injectBegin(let begin):
            faults.removeAll { $0.id == begin.faultID }
            faults.append(ActiveFault(id: begin.faultID, step: begin.step, fault: begin.fault, target: begin.target,
                                      applied: false, revertAt: revertAt[begin.stepIndex]))
        case .injectEnd(let outcome):
            if outcome.ok {
                if let i = faults.firstIndex(where: { $0.id == outcome.faultID }) { faults[i].applied = true }
            } else {
                faults.removeAll { $0.id == outcome.faultID }
            }
        case .revertEnd(let outcome) where outcome.ok:
            faults.removeAll { $0.id == outcome.faultID }
        case .runEnd(let end):
            ended = end.status.rawValue
        default:
            break
        }
    }

    /// The block at `now` (T+ ms), each line at most `width` columns; exactly `height` lines. `color` adds ANSI
    /// colours to the lamps and the phase.
    public func lines(now: Int64, width: Int, color: Bool) -> [String] {
        var out: [String] = []
        let clock = Format.offset(max(0, now)).dropLast(4) // T+mm:ss
        var head = "gameday \(planName)  \(ended.map { "ended: \($0)" } ?? phase)  \(clock)"
        if ended == nil, let total = totalMs {
            if let chaosEnd = chaosEndMs, phase == "chaos", chaosEnd > now {
                head += "  chaos ends in \(Self.duration(chaosEnd - now))"
            } else if let baseline = baselineMs, phase == "baseline", baseline > now {
                head += "  chaos starts in \(Self.duration(baseline - now))"
            }
            head += "  run ends in \(Self.duration(max(0, total - now)))"
        }
        out.append(Self.fit(head, width))

        let active = faults.count
        if blind {
            out.append(Self.fit("faults: hidden (blind drill)", width))
            for _ in 1..<Self.faultLines { out.append("") }
        } else if active == 0 {
            out.append("faults: none active")
            for _ in 1..<Self.faultLines { out.append("") }
        } else {
            let shown = active > Self.faultLines ? Self.faultLines - 1 : active
            for fault in faults.prefix(shown) {
                let left: String
                if !fault.applied {
                    left = "applying…"
                } else if let revert = fault.revertAt {
                    left = revert > now ? "\(Self.duration(revert - now)) left" : "reverting"
                } else {
                    left = "active"
                }
                out.append(Self.fit("fault \(fault.step): \(fault.fault) on \(fault.target)  \(left)", width))
            }
            if active > shown { out.append("+\(active - shown) more faults active") }
            while out.count < 1 + Self.faultLines { out.append("") }
        }

        var lamps: [String] = []
        var used = 0
        for check in checks {
            let state = health[check] ?? .unknown
            let (lamp, code) = state == .healthy ? ("●", "32") : state == .unhealthy ? ("✖", "31") : ("○", "90")
            let plain = "\(lamp) \(check)"
            let cost = (lamps.isEmpty ? 0 : 2) + plain.count
            if used + cost > width { break }
            used += cost
            lamps.append(color ? "\u{1B}[\(code)m\(lamp)\u{1B}[0m \(check)" : plain)
        }
        out.append(checks.isEmpty ? "checks: none" : lamps.joined(separator: "  "))
        out.append(String(repeating: "─", count: max(1, min(width, 80))))
        return out
    }

    /// `1m05s`, `42s`.
    static func duration(_ ms: Int64) -> String {
        let seconds = (ms + 999) / 1000
        return seconds >= 60 ? "\(seconds / 60)m\(seconds % 60 < 10 ? "0" : "")\(seconds % 60)s" : "\(seconds)s"
    }

    static func fit(_ line: String, _ width: Int) -> String {
        line.count <= width ? line : String(line.prefix(max(1, width - 1))) + "…"
    }
}
