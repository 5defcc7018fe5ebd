import Foundation

/// What participants and observers of a blind drill may see of a journal line (pure): health, the clock and the
/// participants' own marks; never which fault, step or target is active. The facilitator sees the journal as it is.
public enum BlindView {
    /// Event types passed through unchanged.
    static let kept: Set<String> = ["probe", "health", "guardrail", "signal"]

    /// The line as a blind viewer gets it, or nil when it is withheld.
    public static func redact(_ line: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let type = object["type"] as? String else { return nil }
        if kept.contains(type) { return line }
        var out: [String: Any] = [:]
        for key in ["seq", "t", "wall", "type"] { out[key] = object[key] }
        switch type {
        case "run.start":
            out["planName"] = "blind drill"
            out["runID"] = "blind drill"
            out["blind"] = true
            // Not the runbook: the plan picked it for the fault, so its name and text would tell what broke.
            for key in ["environment", "dryRun", "version", "hypothesis", "guardrails"] { out[key] = object[key] }
            // Check names and rhythm only: an address could point at the target.
            out["checks"] = (object["checks"] as? [[String: Any]] ?? []).map { check in
                ["name": check["name"] ?? "", "interval": check["interval"] ?? 0] as [String: Any]
            }
            out["plannedDuration"] = plannedDuration(object["schedule"] as? [String: Any])
        case "mark":
            // Participants' marks and the facilitator's verdicts on diagnoses; the facilitator's own notes (and the
            // terminal's, which is the facilitator's) may name the fault.
            let role = object["role"] as? String
            let kind = object["kind"] as? String
            guard role == "participant" || kind == "correct" else { return nil }
            for key in ["kind", "text", "by", "role", "ref"] { out[key] = object[key] }
        case "run.end":
            out["status"] = object["status"]
            out["stillActive"] = [String]()
        default:
            return nil
        }
        guard let data = try? JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .withoutEscapingSlashes]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The run's planned length in ms (the countdown), from the schedule: the last revert (or the baseline) plus recovery.
    static func plannedDuration(_ schedule: [String: Any]?) -> Int {
        guard let schedule else { return 0 }
        let baseline = (schedule["baseline"] as? NSNumber)?.intValue ?? 0
        let recovery = (schedule["recovery"] as? NSNumber)?.intValue ?? 0
        let lastRevert = (schedule["steps"] as? [[String: Any]] ?? []).compactMap { ($0["revertAt"] as? NSNumber)?.intValue }.max() ?? baseline
        return max(baseline, lastRevert) + recovery
    }
}
