import GameDayCore

/// The plain-English summary under the verdict, generated from the analysis.
enum Summary {
    static func paragraphs(_ a: RunAnalysis, integrity: JournalIntegrity) -> [String] {
        var out: [String] = [outcome(a)]
        if let faults = faultsSentence(a) { out.append(faults) }
        if let detection = detectionSentence(a) { out.append(detection) }
        if let alerts = Postmortem.alertCoverageSentence(a) { out.append(alerts) }
        if a.start?.dryRun == true {
            out.append("This was a dry run: no fault was applied, so detection and recovery figures say nothing "
                       + "about the system.")
        }
        if integrity.tornTail || !integrity.skippedLines.isEmpty {
            out.append("The journal is damaged (\(Postmortem.integrityText(integrity))); this report covers every "
                       + "line that could be read.")
        }
        return out
    }

    private static func outcome(_ a: RunAnalysis) -> String {
        let violated = violations(a)
        switch a.verdict {
        case .held:
            return "The hypothesis held in every judged phase."
        case .violated:
            return "The hypothesis was violated: \(violated)."
        case .aborted:
            var text: String
            if let trip = a.guardrailTrips.first {
                text = "The run was aborted: guardrail \(Format.code(trip.trip.guardrail)) tripped at "
                    + "\(Format.offset(trip.t)) (\(trip.trip.reason)), and every applied fault was reverted at once."
            } else if let end = a.end, end.status == .interrupted {
                let signal = a.signals.first.map { " by \($0.name) at \(Format.offset($0.t))" } ?? ""
                text = "The run was interrupted\(signal), and every applied fault was reverted."
            } else if let end = a.end, end.status == .failed {
                let why = end.reason ?? a.errors.first?.message ?? "unknown error"
                text = "The run failed (\(why)), and every applied fault was reverted."
            } else {
                text = "The run was aborted" + (a.end?.reason.map { ": \($0)" } ?? "") + "."
            }
            if !violated.isEmpty { text += " The hypothesis also failed: \(violated)." }
            return text
        case .revertFailed:
            let n = max(a.openFaults.count, a.end?.stillActive.count ?? 0)
            var text = "A revert failed: \(n == 1 ? "1 fault is" : "\(n) faults are") still applied (see the banner "
                + "above for the commands that finish the job)."
            if let end = a.end, end.status != .completed {
                text += " The run ended \(end.status.rawValue)" + (end.reason.map { " (\($0))" } ?? "") + "."
            }
            if !violated.isEmpty { text += " The hypothesis also failed: \(violated)." }
            return text
        case .incomplete:
            var text = "The journal has no `run.end`: the controller stopped without finishing (a crash, SIGKILL or "
                + "power loss)."
            let open = a.openFaults.count
            if open > 0 {
                text += " \(open == 1 ? "1 fault" : "\(open) faults") may still be applied: run `gameday recover`."
            } else {
                text += " No fault is left applied."
            }
            return text
        }
    }

    private static func violations(_ a: RunAnalysis) -> String {
        a.failedJudgements.map { s -> String in
            switch s.judgement {
            case .failed(let reasons): return "\(s.check) in \(s.phase.rawValue) (\(reasons.joined(separator: "; ")))"
            default: return "\(s.check) in \(s.phase.rawValue) (no data)"
            }
        }.joined(separator: ", ")
    }

    private static func faultsSentence(_ a: RunAnalysis) -> String? {
        let planned = a.start?.schedule.steps.count ?? 0
        guard !a.faults.isEmpty else {
            return planned == 0 ? nil : "No fault was injected (\(planned) step\(planned == 1 ? "" : "s") planned)."
        }
        let steps = Set(a.faults.map(\.stepIndex)).count
        let verb = a.start?.dryRun == true ? "walked through (dry run, not applied)" : "injected"
        var text = "\(plural(a.faults.count, "fault")) \(verb) by \(plural(steps, "step"))"
        if planned > steps { text += " (of \(planned) planned)" }
        let failedInjects = a.faults.filter { $0.injectedT == nil }.count
        let notNeeded = a.faults.filter { $0.revertStatus == .notNeeded }.count
        let open = a.openFaults.count
        text += open == 0 ? "; all were put back" : "; \(open) not reverted"
        if notNeeded > 0 { text += " (\(notNeeded) needed no revert)" }
        text += "."
        if failedInjects > 0 { text += " \(plural(failedInjects, "inject")) failed." }
        return text
    }

    private static func detectionSentence(_ a: RunAnalysis) -> String? {
        let injected = a.steps.filter { $0.injectedT != nil }
        guard !injected.isEmpty else { return nil }
        let detected = injected.compactMap(\.timeToDetect)
        var text: String
        if detected.isEmpty {
            text = injected.count == 1 ? "No health check went unhealthy after the injected step."
                : "No health check went unhealthy after any of the \(injected.count) injected steps."
        } else {
            text = "Probes detected \(detected.count) of \(plural(injected.count, "injected step"))"
            if let lo = detected.min(), let hi = detected.max() {
                text += lo == hi ? " after \(Format.span(lo))" : " after \(Format.span(lo)) to \(Format.span(hi))"
            }
            text += "."
            for s in injected {
                switch s.recovery {
                case .afterRevert(let span):
                    text += " Step \(s.step) recovered \(Format.span(span)) after its revert."
                case .healedBeforeRevert(let span):
                    text += " Step \(s.step) healed before its revert, \(Format.span(span)) after the inject."
                case .notRecovered:
                    text += " Step \(s.step) had not recovered when the journal ends."
                case .notApplicable:
                    break
                }
            }
        }
        let marked = injected.compactMap { s in s.operatorDetected.map { "\(s.step) after \(Format.span($0))" } }
        if !marked.isEmpty {
            text += " The operator marked detection of " + marked.joined(separator: ", ") + "."
        }
        return text
    }

    private static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
}
