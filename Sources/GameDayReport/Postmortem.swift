import GameDayCore

/// What reading the journal noticed about the journal itself (see `JournalReader` in GameDayJournal).
public struct JournalIntegrity: Sendable, Equatable {
    /// The last line was a torn write (the controller died mid-write).
    public var tornTail: Bool
    /// 1-based numbers of lines that could not be decoded and were skipped.
    public var skippedLines: [Int]

    public init(tornTail: Bool = false, skippedLines: [Int] = []) {
        self.tornTail = tornTail; self.skippedLines = skippedLines
    }

    public static let intact = JournalIntegrity()
}

/// Renders a run's postmortem (Markdown) from its journal alone.
///
/// A pure function (invariant 4): no clock, no files, no environment; the same events always give the same bytes,
/// which is what lets `gameday report RUN_DIR` re-render a postmortem exactly.
public enum Postmortem {
    /// The postmortem of the run these events describe.
    ///
    /// - Parameter postmortemDirectory: the absolute directory the postmortem is written to; when given, the runbook
    ///   is linked relative to it, so the link works wherever the repository is checked out (a code host, a laptop).
    public static func render(_ events: [JournalEvent], integrity: JournalIntegrity = .intact,
                              postmortemDirectory: String? = nil) -> String {
        render(RunAnalysis(events: events), integrity: integrity, postmortemDirectory: postmortemDirectory)
    }

    /// The postmortem of an analysed run.
    public static func render(_ analysis: RunAnalysis, integrity: JournalIntegrity = .intact,
                              postmortemDirectory: String? = nil) -> String {
        var doc = Document()
        let a = analysis
        let title = a.start?.planName ?? "unknown plan"
        doc.line("# Postmortem: \(title)")
        doc.blank()
        banner(a, into: &doc)
        header(a, into: &doc)
        verdict(a, integrity: integrity, into: &doc)
        hypothesis(a, into: &doc)
        prometheusValues(a, into: &doc)
        faults(a, into: &doc)
        detection(a, into: &doc)
        detectionByAlerts(a, into: &doc)
        BlindDrill.section(a, into: &doc)
        timeline(a, into: &doc)
        gantt(a, into: &doc)
        CheckChart.section(a, into: &doc)
        runbook(a, postmortemDirectory: postmortemDirectory, into: &doc)
        followUp(a, integrity: integrity, into: &doc)
        PreflightAppendix.render(a.preflight, into: &doc)
        doc.line("<sub>Rendered by gameday \(a.start?.version ?? GameDayVersion.current) from the run's journal; "
                 + "`gameday report` re-renders it identically.</sub>")
        return doc.text
    }

    // MARK: - 1. Banner, header, verdict

    private static func banner(_ a: RunAnalysis, into doc: inout Document) {
        let open = a.openFaults
        guard !open.isEmpty else { return }
        let noun = open.count == 1 ? "1 fault is" : "\(open.count) faults are"
        doc.line("> [!CAUTION]")
        doc.line("> **FAULT STILL ACTIVE**: \(noun) still applied. Finish the revert by hand, newest first:")
        doc.line(">")
        for f in open.sorted(by: { $0.beginT > $1.beginT }) {
            let why = f.revertStatus == .failed
                ? "revert failed: \(f.revertError ?? "unknown error")"
                : "never reverted (the run stopped first)"
            doc.line("> - \(Format.code(f.faultID)), step \(Format.cell(f.step)), \(Format.cell(f.fault)) on "
                     + "\(Format.cell(f.target)): \(Format.cell(why))")
            doc.line(">")
            doc.line(">   ```sh")
            for line in (f.manualInstructions ?? f.recipe.manualInstructions).split(separator: "\n", omittingEmptySubsequences: false) {
                doc.line(">   \(line)")
            }
            doc.line(">   ```")
        }
        if a.end == nil {
            doc.line(">")
            doc.line("> `gameday recover` reverts these from the journal; run it from the directory that holds `runs/`.")
        }
        doc.blank()
    }

    private static func header(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("| | |")
        doc.line("|---|---|")
        if let s = a.start {
            doc.line("| Run | \(Format.code(s.runID)) |")
            doc.line("| Plan | \(Format.cell(s.planName)) (\(Format.code(s.planFile))) |")
            if let d = s.description, !d.isEmpty { doc.line("| Description | \(Format.cell(d)) |") }
            doc.line("| Environment | \(s.environment.rawValue) |")
            doc.line("| Seed | \(s.schedule.seed) |")
            doc.line("| Dry run | \(s.dryRun ? "yes (no fault was applied)" : "no") |")
        } else {
            doc.line("| Run | unknown (the journal has no `run.start`) |")
        }
        doc.line("| Started | \(Format.dateTime(a.startWall)) |")
        let duration = Format.span(a.endT) + (a.end == nil ? " (journal ends here; the run did not finish)" : "")
        doc.line("| Duration | \(duration) |")
        if let s = a.start {
            doc.line("| Planned | baseline \(s.schedule.baseline), chaos until T+\(s.schedule.chaosEnd), "
                     + "recovery \(s.schedule.recovery), total \(s.schedule.totalDuration) |")
        }
        doc.blank()
    }

    private static func verdict(_ a: RunAnalysis, integrity: JournalIntegrity, into doc: inout Document) {
        doc.line("## Verdict: \(a.verdict.title)")
        doc.blank()
        doc.line("Exit code \(a.exitCode).")
        doc.blank()
        for paragraph in Summary.paragraphs(a, integrity: integrity) {
            doc.line(paragraph)
            doc.blank()
        }
    }

    // MARK: - 2. Hypothesis

    private static func hypothesis(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("## Hypothesis")
        doc.blank()
        guard !a.checkStats.isEmpty else {
            doc.line("No health checks ran.")
            doc.blank()
            return
        }
        doc.line("Per check and phase. Latency percentiles are top percentiles (TP90: drop the slowest 10% of "
                 + "successful probes, take the largest that remains).")
        doc.blank()
        doc.line("| Check | Phase | Samples | Availability | p50 | p90 | p99 | Target | Result |")
        doc.line("|---|---|---:|---:|---:|---:|---:|---|---|")
        for s in a.checkStats {
            let availability = s.availability.map(Format.percent) ?? "—"
            let target = s.criteria.isEmpty ? "—" : s.criteria.map(describe).joined(separator: ", ")
            let result: String
            switch s.judgement {
            case .notJudged: result = "not judged"
            case .passed: result = "pass"
            case .noData: result = "**FAIL**: no data"
            case .notReached: result = "no data (the run stopped first)"
            case .failed(let reasons): result = "**FAIL**: " + reasons.joined(separator: "; ")
            }
            let samples = s.samples == 0 ? "0" : "\(Format.count(s.samples))" + (s.failures > 0 ? " (\(Format.count(s.failures)) failed)" : "")
            doc.line("| \(Format.cell(s.check)) | \(s.phase.rawValue) | \(samples) | \(availability) | "
                     + "\(latency(s.p50)) | \(latency(s.p90)) | \(latency(s.p99)) | \(Format.cell(target)) | \(Format.cell(result)) |")
        }
        doc.blank()
    }

    private static func latency(_ value: Double?) -> String { value.map(Format.milliseconds) ?? "—" }

    private static func describe(_ c: RunAnalysis.Criterion) -> String {
        switch c {
        case .availability(let minimum): return "availability ≥ \(Percent.format(minimum))"
        case .latency(let p, let maximum): return "p\(p) ≤ \(maximum)"
        case .valueBelow(let bound): return "value < \(PrometheusCheck.format(bound))"
        case .valueAbove(let bound): return "value > \(PrometheusCheck.format(bound))"
        }
    }

    // MARK: - 3. Faults

    static func statusText(_ f: RunAnalysis.FaultRow) -> String {
        switch f.revertStatus {
        case .ok: return "ok"
        case .notNeeded: return "not needed"
        case .failed: return "**FAILED**"
        case .stillActive: return "**STILL ACTIVE**"
        }
    }

    static func reasonText(_ reason: RevertBegin.Reason?) -> String {
        guard let reason else { return "—" }
        switch reason {
        case .scheduled: return "scheduled"
        case .guardrail: return "guardrail"
        case .signal: return "signal"
        case .error: return "error"
        case .recover: return "gameday recover"
        case .injectFailed: return "inject failed"
        }
    }

    private static func faults(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("## Faults")
        doc.blank()
        let scheduled = a.start?.schedule.steps ?? []
        guard !a.faults.isEmpty else {
            doc.line(scheduled.isEmpty ? "The plan has no steps." : "No fault was injected.")
            doc.blank()
            return
        }
        doc.line("| Step | Fault | Target | Injected | Reverted | Revert | Reason |")
        doc.line("|---|---|---|---|---|---|---|")
        for f in a.faults {
            var fault = f.fault
            if let step = scheduled.first(where: { $0.index == f.stepIndex }), let from = step.randomFrom, !from.isEmpty {
                fault += " (random pick from \(from.joined(separator: ", ")))"
            }
            let injected = f.injectedT.map(Format.offset) ?? "**failed** (\(f.injectError ?? "no inject.end"))"
            let reverted = f.revertedT.map(Format.offset) ?? "—"
            var reason = reasonText(f.revertReason)
            if f.revertAttempts > 1 { reason += ", \(f.revertAttempts) attempts" }
            doc.line("| \(Format.cell(f.step)) | \(Format.cell(fault)) | \(Format.cell(f.target)) | \(Format.cell(injected)) | "
                     + "\(reverted) | \(statusText(f)) | \(Format.cell(reason)) |")
        }
        doc.blank()
        for f in a.faults {
            var notes: [String] = []
            if !f.description.isEmpty { notes.append(f.description) }
            if let d = f.injectDetail { notes.append("inject: \(d)") }
            if case .nothing(let why) = f.recipe {
                notes.append("no revert needed: \(why)")
            } else if let d = f.revertDetail {
                notes.append("revert: \(d)")
            }
            if let e = f.revertError, f.revertStatus == .failed { notes.append("revert error: \(e)") }
            guard !notes.isEmpty else { continue }
            doc.line("- \(Format.code(f.faultID)): " + notes.map(Format.cell).joined(separator: "; "))
        }
        let ran = Set(a.faults.map(\.stepIndex))
        let skipped = scheduled.filter { !ran.contains($0.index) }
        if !skipped.isEmpty {
            doc.line("- Not run (the run ended before their turn): "
                     + skipped.map { "\(Format.cell($0.name)) (planned at T+\($0.injectAt))" }.joined(separator: ", "))
        }
        doc.blank()
    }

    // MARK: - 4. Detection and recovery

    static func recoveryText(_ r: RunAnalysis.Recovery) -> String {
        switch r {
        case .notApplicable: return "—"
        case .healedBeforeRevert(let span): return "healed before the revert: inject → healthy \(Format.span(span))"
        case .afterRevert(let span): return "\(Format.span(span)) after the revert"
        case .notRecovered: return "**not recovered** by the end of the run"
        }
    }

    private static func detection(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("## Detection and recovery")
        doc.blank()
        guard !a.steps.isEmpty else {
            doc.line("No step was injected.")
            doc.blank()
            return
        }
        let recovery = a.start.map { " or within \($0.schedule.recovery) (the recovery window) of its revert" } ?? ""
        doc.line("Time to detect: inject → first unhealthy transition of any check, attributed to the most recently "
                 + "injected step that was active\(recovery). Time to recover: revert → those checks healthy again.")
        doc.blank()
        doc.line("| Step | Fault | Targets | Time to detect | Unhealthy checks | Time to recover | Operator |")
        doc.line("|---|---|---|---|---|---|---|")
        for s in a.steps {
            let detect: String
            if s.injectedT == nil { detect = "inject failed" }
            else { detect = s.timeToDetect.map(Format.span) ?? "**not detected**" }
            let checks = s.unhealthyChecks.isEmpty ? "—" : s.unhealthyChecks.joined(separator: ", ")
            var op: [String] = []
            if let d = s.operatorDetected { op.append("operator detected after \(Format.span(d))") }
            if let m = s.operatorMitigated { op.append("mitigated after \(Format.span(m))") }
            doc.line("| \(Format.cell(s.step)) | \(Format.cell(s.fault)) | \(Format.cell(s.targets.joined(separator: ", "))) | "
                     + "\(detect) | \(Format.cell(checks)) | \(recoveryText(s.recovery)) | \(op.isEmpty ? "—" : op.joined(separator: "; ")) |")
        }
        doc.blank()
    }

    // MARK: - 5. Timeline

    private static func timeline(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("## Timeline")
        doc.blank()
        doc.line("\(Format.count(a.totalProbes)) probe samples, folded between the other events.")
        doc.blank()
        doc.line("| T+ | Wall (UTC) | Event | Details |")
        doc.line("|---|---|---|---|")
        for entry in a.timeline {
            switch entry {
            case .probes(let f):
                var text = "\(Format.count(f.count)) probe\(f.count == 1 ? "" : "s"), \(Format.count(f.failed)) failed"
                if !f.failedByCheck.isEmpty {
                    text += " (" + f.failedByCheck.map { "\($0.check): \(Format.count($0.count))" }.joined(separator: ", ") + ")"
                }
                if f.lastT > f.firstT { text += " until \(Format.offset(f.lastT))" }
                doc.line("| \(Format.offset(f.firstT)) | \(Format.clock(f.firstWall)) | probes | \(Format.cell(text)) |")
            case .event(let e):
                let (name, details) = describe(e.body, analysis: a)
                doc.line("| \(Format.offset(e.t)) | \(Format.clock(e.wall)) | \(name) | \(Format.cell(details)) |")
            }
        }
        doc.blank()
    }

    private static func describe(_ body: EventBody, analysis a: RunAnalysis) -> (String, String) {
        switch body {
        case .runStart(let s):
            return ("run.start", "plan \(s.planName), seed \(s.schedule.seed), \(s.environment.rawValue)"
                    + (s.dryRun ? ", dry run" : "") + ", gameday \(s.version)")
        case .phase(let p):
            return ("phase", "→ \(p.phase.rawValue)")
        case .injectBegin(let b):
            return ("inject.begin", "\(b.faultID): step \(b.step), \(b.fault) on \(b.target)"
                    + (b.description.isEmpty ? "" : " — \(b.description)"))
        case .injectEnd(let o):
            return ("inject.end", o.ok ? "\(o.faultID) applied" + (o.detail.map { ": \($0)" } ?? "")
                    : "\(o.faultID) **inject failed**: \(o.error ?? "unknown error")")
        case .revertBegin(let r):
            return ("revert.begin", "\(r.faultID) (\(reasonText(r.reason))" + (r.attempt > 1 ? ", attempt \(r.attempt)" : "") + ")")
        case .revertEnd(let o):
            if o.ok { return ("revert.end", "\(o.faultID) reverted" + (o.detail.map { ": \($0)" } ?? "")) }
            return ("revert.end", "\(o.faultID) **revert failed**: \(o.error ?? "unknown error")")
        case .probe(let p):
            return ("probe", "\(p.check) \(p.ok ? "ok" : "failed")")
        case .health(let h):
            let word = h.to == .unhealthy ? "**unhealthy**" : h.to.rawValue
            return ("health", "\(h.check) \(h.from.rawValue) → \(word)" + (h.reason.map { " (\($0))" } ?? ""))
        case .guardrail(let g):
            return ("guardrail", "**tripped**: \(g.guardrail) — \(g.reason)")
        case .mark(let m):
            return ("mark", "operator: \(m.kind.rawValue)" + (m.text.map { " — \($0)" } ?? "")
                    + (m.by.map { " (by \($0)" + (m.role.map { ", \($0)" } ?? "") + ")" } ?? ""))
        case .signal(let s):
            return ("signal", "\(s.name) received")
        case .error(let e):
            return ("error", e.message)
        case .runEnd(let e):
            var text = e.status.rawValue + (e.reason.map { ": \($0)" } ?? "")
            if !e.stillActive.isEmpty { text += "; still active: \(e.stillActive.joined(separator: ", "))" }
            return ("run.end", text)
        case .alert, .alertSource:
            return alertTimelineRow(body)
        case .preflight(let p):
            return ("preflight", p.summary)
        }
    }

    // MARK: - 6. Gantt

    private static func gantt(_ a: RunAnalysis, into doc: inout Document) {
        doc.line("## Faults and health over time")
        doc.blank()
        guard !a.faults.isEmpty || !a.unhealthy.isEmpty else {
            doc.line("No fault was injected and no check went unhealthy.")
            doc.blank()
            return
        }
        let toWall = { (t: Int64) in a.startWall + t }
        doc.line("```mermaid")
        doc.line("gantt")
        doc.line("    title Faults and unhealthy checks (UTC)")
        doc.line("    dateFormat x")
        doc.line("    axisFormat %H:%M:%S")
        if !a.faults.isEmpty {
            doc.line("    section Faults")
            for (i, f) in a.faults.enumerated() {
                let from = f.injectedT.map(toWall) ?? f.beginWall
                let to = f.revertedWall ?? (f.isOpen ? a.endWall : toWall(a.steps.first { $0.stepIndex == f.stepIndex }?.revertedT ?? a.endT))
                let tag = f.isOpen ? "crit" : "done"
                doc.line("    \(ganttName("\(f.step) \(f.target)")) :\(tag), fault\(i + 1), \(from), \(max(from, to))")
            }
        }
        var checks: [String] = []
        for u in a.unhealthy where !checks.contains(u.check) { checks.append(u.check) }
        var n = 0
        for check in checks {
            doc.line("    section \(ganttName(check))")
            for u in a.unhealthy where u.check == check {
                n += 1
                let to = u.toWall ?? a.endWall
                doc.line("    unhealthy :crit, unhealthy\(n), \(u.fromWall), \(max(u.fromWall, to))")
            }
        }
        doc.line("```")
        doc.blank()
    }

    /// Mermaid task and section names end at `:` and break on `#` or `;`.
    private static func ganttName(_ text: String) -> String {
        let cleaned = String(text.map { ":;#\n\r".contains($0) ? " " : $0 })
        return cleaned.isEmpty ? "-" : cleaned
    }

    // MARK: - 7. Runbook and risk

    private static func runbook(_ a: RunAnalysis, postmortemDirectory: String?, into doc: inout Document) {
        doc.line("## Runbook and risk")
        doc.blank()
        if let s = a.start, let book = s.runbook, !book.isEmpty {
            var resolved = RunbookPath.resolve(book, relativeTo: s.planFile)
            if let postmortemDirectory, resolved.hasPrefix("/"), postmortemDirectory.hasPrefix("/") {
                resolved = RunbookPath.relative(resolved, from: postmortemDirectory)
            }
            doc.line("- Runbook: [\(Format.cell(resolved))](\(RunbookPath.linkTarget(resolved))) (the plan's "
                     + "\(Format.code(book)), relative to \(Format.code(s.planFile)))")
        } else {
            doc.line("- Runbook: none given in the plan.")
        }
        if let risk = a.start?.risk, !risk.isEmpty {
            doc.line("- Risk: \(Format.cell(risk))")
        } else {
            doc.line("- Risk: none given in the plan.")
        }
        doc.blank()
    }

    // MARK: - 8. Follow-up

    private static func followUp(_ a: RunAnalysis, integrity: JournalIntegrity, into doc: inout Document) {
        doc.line("## Follow-up")
        doc.blank()
        var items: [String] = []
        for f in a.openFaults {
            items.append("Finish reverting \(Format.code(f.faultID)) (\(Format.cell(f.fault)) on \(Format.cell(f.target))) "
                         + "by hand: \(Format.code(f.manualInstructions ?? f.recipe.manualInstructions)), then confirm the target is healthy.")
        }
        if let risk = a.start?.risk, !risk.isEmpty {
            items.append("Was this covered by a known risk? The plan names \(Format.cell(risk)): update its likelihood "
                         + "and impact with what this game day showed.")
        } else {
            items.append("Was this covered by a known risk? The plan names none: find the matching risk or record a new one.")
        }
        for s in a.failedJudgements {
            let why: String
            switch s.judgement {
            case .failed(let reasons): why = reasons.joined(separator: "; ")
            default: why = "no samples in this phase"
            }
            items.append("Hypothesis violated: \(Format.cell(s.check)) in \(s.phase.rawValue) (\(Format.cell(why))). "
                         + "Find out why and decide whether the system or the hypothesis must change.")
        }
        for t in a.guardrailTrips {
            items.append("Guardrail \(Format.code(t.trip.guardrail)) tripped at \(Format.offset(t.t)): review the blast "
                         + "radius before repeating this game day.")
        }
        // In a dry run nothing was applied, so nothing could be detected.
        for s in a.steps where a.start?.dryRun != true && s.injectedT != nil && s.timeToDetect == nil {
            items.append("Not detected: step \(Format.cell(s.step)) (\(Format.cell(s.fault)) on "
                         + "\(Format.cell(s.targets.joined(separator: ", ")))) turned no check unhealthy. Add a check "
                         + "or alert that would see it, or record why it is harmless.")
        }
        for s in a.steps where s.recovery == .notRecovered {
            items.append("Not recovered: \(Format.cell(s.unhealthyChecks.joined(separator: ", "))) stayed unhealthy "
                         + "after step \(Format.cell(s.step)). Confirm the service is back.")
        }
        if a.end == nil {
            items.append("The run did not finish: find out why the controller stopped, and run `gameday recover`.")
        }
        if integrity.tornTail || !integrity.skippedLines.isEmpty {
            items.append("The journal is damaged (" + integrityText(integrity) + "): check the disk and the host's logs.")
        }
        if a.start?.runbook == nil {
            items.append("Write a runbook for this failure and link it from the plan (`runbook:`).")
        } else {
            items.append("Update the runbook with anything the team had to work out during the game day.")
        }
        for item in items { doc.line("- [ ] \(item)") }
        doc.blank()
    }

    static func integrityText(_ i: JournalIntegrity) -> String {
        var parts: [String] = []
        if i.tornTail { parts.append("its last line was cut off mid-write") }
        if !i.skippedLines.isEmpty {
            let lines = i.skippedLines.prefix(20).map(String.init).joined(separator: ", ")
            parts.append("unreadable line\(i.skippedLines.count == 1 ? "" : "s") \(lines)"
                         + (i.skippedLines.count > 20 ? " and \(i.skippedLines.count - 20) more" : "") + " skipped")
        }
        return parts.joined(separator: "; ")
    }
}

/// Builds Markdown line by line.
struct Document {
    private(set) var text = ""

    mutating func line(_ s: String) { text += s; text += "\n" }
    mutating func blank() { text += "\n" }
}
