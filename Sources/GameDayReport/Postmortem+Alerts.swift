import GameDayCore

/// Detection by the team's own alerts, from the journal's `alert` and `alert.source` events (pure).
///
/// Each firing alert is attributed to a step the way health transitions are: to the most recently injected step that
/// was active then, or reverted less than the plan's recovery time earlier. Its time is when gameday received it
/// (the webhook call or the API poll that first showed it), so time to alert is what an on-call engineer would see.
public struct AlertDetection: Sendable, Equatable {
    public struct Alert: Sendable, Equatable {
        public var t: Int64
        public var event: AlertEvent
        /// T+ when it resolved; nil while still firing at the end of the journal.
        public var resolvedT: Int64?
    }

    public struct StepRow: Sendable, Equatable {
        public var step: String
        public var fault: String
        public var injectedT: Int64
        public var revertedT: Int64?
        /// The first matching alert attributed to the step.
        public var firstAlert: Alert?
        /// Probes' time to detect, beside the alert's.
        public var probeTimeToDetect: Int64?
        public var operatorDetected: Int64?
    }

    public var spec: AlertsSpec
    public var rows: [StepRow]
    /// Alerts that fired outside every step's window.
    public var noise: [Alert]
    /// Intervals during which a source was unavailable (toT nil: until the end).
    public var outages: [(source: AlertEvent.Source, fromT: Int64, toT: Int64?, reason: String)]
    public var caught: Int { rows.filter { $0.firstAlert != nil }.count }

    public static func == (lhs: AlertDetection, rhs: AlertDetection) -> Bool {
        lhs.spec == rhs.spec && lhs.rows == rhs.rows && lhs.noise == rhs.noise
            && lhs.outages.elementsEqual(rhs.outages) { $0.source == $1.source && $0.fromT == $1.fromT && $0.toT == $1.toT && $0.reason == $1.reason }
    }

    /// nil when the run did not measure detection by alerts (no `alerts:` section): the postmortem then has no section.
    public init?(_ a: RunAnalysis) {
        guard let spec = a.start?.alerts else { return nil }
        self.spec = spec
        var alerts: [Alert] = []
        var open: [String: Int] = [:]
        var outages: [(source: AlertEvent.Source, fromT: Int64, toT: Int64?, reason: String)] = []
        var openOutage: [AlertEvent.Source: Int] = [:]
        for case .event(let e) in a.timeline {
            switch e.body {
            case .alert(let alert) where alert.status == .firing:
                guard open[alert.fingerprint] == nil else { continue }
                open[alert.fingerprint] = alerts.count
                alerts.append(Alert(t: e.t, event: alert, resolvedT: nil))
            case .alert(let alert):
                if let i = open.removeValue(forKey: alert.fingerprint) { alerts[i].resolvedT = e.t }
            case .alertSource(let status):
                if status.available {
                    if let i = openOutage.removeValue(forKey: status.source) { outages[i].toT = e.t }
                } else if openOutage[status.source] == nil {
                    openOutage[status.source] = outages.count
                    outages.append((status.source, e.t, nil, status.reason ?? "unavailable"))
                }
            default:
                continue
            }
        }
        self.outages = outages
        let recovery = a.start?.schedule.recovery.milliseconds ?? 0
        let injected = a.steps.filter { $0.injectedT != nil }
        func attribute(_ t: Int64) -> Int? {
            var best: Int?
            for (i, s) in injected.enumerated() {
                guard let inj = s.injectedT, inj <= t else { continue }
                if let end = s.revertedT, t > end, t - end >= recovery { continue }
                if let b = best, let bInj = injected[b].injectedT, (bInj, injected[b].stepIndex) > (inj, s.stepIndex) { continue }
                best = i
            }
            return best
        }
        var rows = injected.map { s in
            StepRow(step: s.step, fault: s.fault, injectedT: s.injectedT ?? 0, revertedT: s.revertedT, firstAlert: nil,
                    probeTimeToDetect: s.timeToDetect, operatorDetected: s.operatorDetected)
        }
        var noise: [Alert] = []
        for alert in alerts {
            if let i = attribute(alert.t) {
                if rows[i].firstAlert == nil { rows[i].firstAlert = alert }
            } else {
                noise.append(alert)
            }
        }
        self.rows = rows
        self.noise = noise
    }

    /// `ReplicaDown {instance="r1", severity="page"}` (alertname left out of the braces).
    static func label(_ alert: AlertEvent) -> String {
        let labels = alert.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }
        return alert.name + (labels.isEmpty ? "" : " {" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}")
    }
}

extension Postmortem {
    /// `## Detection by alerts`, only for runs whose plan has an `alerts:` section (other postmortems keep their bytes).
    static func detectionByAlerts(_ a: RunAnalysis, into doc: inout Document) {
        guard let d = AlertDetection(a) else { return }
        doc.line("## Detection by alerts")
        doc.blank()
        var sources: [String] = []
        if let webhook = d.spec.webhook { sources.append("webhooks received on \(webhook)") }
        if let api = d.spec.alertmanager { sources.append("Alertmanager's API at \(api)") }
        let matchers = d.spec.matchers.isEmpty ? "every alert" : "alerts matching " + d.spec.matchers.map { "`\($0.description)`" }.joined(separator: ", ")
        doc.line("Counted: \(matchers), from \(sources.joined(separator: " and ")). Time to alert: inject → the first such alert "
                 + "gameday received, attributed to the most recently injected step that was active or within the "
                 + "recovery window of its revert. Probe and operator times are shown beside it.")
        doc.blank()
        if d.rows.isEmpty {
            doc.line("No step was injected.")
            doc.blank()
        } else {
            doc.line("| Step | Fault | First alert | Time to alert | Resolved | Probe time to detect | Operator |")
            doc.line("|---|---|---|---|---|---|---|")
            for row in d.rows {
                var first = "**no alert fired**", tta = "—", resolved = "—"
                if let alert = row.firstAlert {
                    first = AlertDetection.label(alert.event)
                    tta = Format.span(alert.t - row.injectedT)
                    if let r = alert.resolvedT {
                        resolved = Format.offset(r)
                        if let reverted = row.revertedT {
                            resolved += r >= reverted ? " (\(Format.span(r - reverted)) after the revert)" : " (before the revert)"
                        }
                    } else {
                        resolved = "still firing at the end"
                    }
                }
                let probe = row.probeTimeToDetect.map(Format.span) ?? "not detected"
                let op = row.operatorDetected.map { "detected after \(Format.span($0))" } ?? "—"
                doc.line("| \(Format.cell(row.step)) | \(Format.cell(row.fault)) | \(Format.cell(first)) | \(tta) | \(Format.cell(resolved)) | \(probe) | \(op) |")
            }
            doc.blank()
            doc.line("Alerts caught \(d.caught) of \(d.rows.count) injected step\(d.rows.count == 1 ? "" : "s").")
            doc.blank()
        }
        if !d.noise.isEmpty {
            doc.line("Noise: \(d.noise.count) alert\(d.noise.count == 1 ? "" : "s") fired outside every step's window.")
            doc.blank()
            for alert in d.noise.prefix(50) {
                doc.line("- \(Format.offset(alert.t)) \(Format.cell(AlertDetection.label(alert.event)))"
                         + (alert.resolvedT.map { ", resolved at \(Format.offset($0))" } ?? ""))
            }
            if d.noise.count > 50 { doc.line("- … and \(d.noise.count - 50) more (see the journal)") }
            doc.blank()
        }
        for outage in d.outages {
            let name = outage.source == .api ? "Alertmanager's API" : "The webhook receiver"
            let until = outage.toT.map { "until \(Format.offset($0))" } ?? "until the end of the run"
            doc.line("Alerts unavailable: \(name) failed from \(Format.offset(outage.fromT)) \(until) (\(Format.cell(outage.reason))); "
                     + "alerts in that interval may be missing.")
            doc.blank()
        }
    }

    /// The verdict summary's sentence on alert coverage; nil without an `alerts:` section.
    static func alertCoverageSentence(_ a: RunAnalysis) -> String? {
        guard let d = AlertDetection(a), !d.rows.isEmpty else { return nil }
        let missed = d.rows.filter { $0.firstAlert == nil }.map(\.step)
        var text = "Alerts caught \(d.caught) of \(d.rows.count) injected step\(d.rows.count == 1 ? "" : "s")"
        text += missed.isEmpty ? "." : "; no alert fired for " + missed.joined(separator: ", ") + "."
        if !d.outages.isEmpty { text += " Alert sources were unavailable for part of the run." }
        return text
    }

    /// Timeline rows for `alert` and `alert.source` events.
    static func alertTimelineRow(_ body: EventBody) -> (String, String) {
        switch body {
        case .alert(let alert):
            let word = alert.status == .firing ? "**firing**" : "resolved"
            return ("alert", "\(AlertDetection.label(alert)) \(word) (\(alert.source.rawValue))")
        case .alertSource(let status):
            let name = status.source == .api ? "Alertmanager API" : "webhook receiver"
            return ("alert.source", status.available ? "\(name) available again" : "\(name) unavailable: \(status.reason ?? "unknown")")
        default:
            return ("event", body.type)
        }
    }
}
