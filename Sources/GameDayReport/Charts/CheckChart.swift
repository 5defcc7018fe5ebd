import Foundation
import GameDayCore

/// One chart file to write beside postmortem.md.
public struct ChartFile: Sendable, Equatable {
    /// The file name (no directory), e.g. `chart-storefront.svg`.
    public var name: String
    public var svg: String
}

/// Per health check, an SVG chart of the run: latency p50 and p99 per interval and failed probes over time, with
/// baseline and recovery shaded blue, fault intervals shaded red, and operator marks as ticks. Pure and
/// deterministic: the same journal renders the same bytes (`gameday report` rewrites them identically).
public enum CheckChart {
    /// Chart geometry (SVG user units).
    static let width = 800, height = 280
    static let left = 64, right = 784, top = 36, latencyBottom = 196, failTop = 212, failBottom = 252
    /// At most this many intervals across the run; an interval is never shorter than `minimumBucket` ms.
    static let maxBuckets = 160
    static let minimumBucket: Int64 = 250

    /// The file a check's chart is written to: `chart-<check>.svg`, with anything but letters, digits, `-` and `_`
    /// replaced by `-`.
    public static func fileName(check: String) -> String {
        let safe = String(check.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" })
        return "chart-\(safe.isEmpty ? "check" : safe).svg"
    }

    /// The checks that get a chart: those with probe samples, in the order the postmortem lists checks.
    static func chartedChecks(_ analysis: RunAnalysis) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for stats in analysis.checkStats where stats.samples > 0 && !seen.contains(stats.check) {
            seen.insert(stats.check)
            out.append(stats.check)
        }
        return out
    }

    /// Every chart of a run's journal.
    public static func render(_ events: [JournalEvent]) -> [ChartFile] {
        let analysis = RunAnalysis(events: events)
        let checks = chartedChecks(analysis)
        guard !checks.isEmpty else { return [] }
        var samples: [String: [(t: Int64, ms: Double?, ok: Bool)]] = [:]
        var alerts: [(t: Int64, alert: AlertEvent)] = []
        for event in events {
            switch event.body {
            case .probe(let p): samples[p.check, default: []].append((event.t, p.ms, p.ok))
            case .alert(let alert): alerts.append((event.t, alert))
            default: break
            }
        }
        return checks.map { check in
            ChartFile(name: fileName(check: check), svg: svg(check: check, samples: samples[check] ?? [], analysis: analysis, alerts: alerts))
        }
    }

    /// The `## Charts` section of the postmortem: one image per charted check (nothing when no check has samples).
    static func section(_ a: RunAnalysis, into doc: inout Document) {
        let checks = chartedChecks(a)
        guard !checks.isEmpty else { return }
        doc.line("## Charts")
        doc.blank()
        doc.line("Per check: latency p50 and p99 per interval (lines) and failed probes (bars) over the run; baseline and "
                 + "recovery shaded blue, faults shaded red, operator marks as ticks on top"
                 + (a.timeline.contains { if case .event(let e) = $0, case .alert = e.body { return true } else { return false } }
                    ? ", alerts as diamonds on the time axis (filled: firing, hollow: resolved)" : "")
                 + ". The SVG files sit beside this postmortem; `gameday report` re-renders them.")
        doc.blank()
        for check in checks {
            doc.line("![\(check): latency p50/p99 and failures over time](\(fileName(check: check)))")
            doc.blank()
        }
    }

    // MARK: - Drawing

    struct Bucket {
        var latencies: [Double] = []
        var failures = 0
    }

    static func svg(check: String, samples: [(t: Int64, ms: Double?, ok: Bool)], analysis a: RunAnalysis,
                    alerts: [(t: Int64, alert: AlertEvent)] = []) -> String {
        let end = max(a.endT, samples.last?.t ?? 0, 1)
        let bucketMs = max(minimumBucket, (end + Int64(maxBuckets) - 1) / Int64(maxBuckets))
        let count = Int(end / bucketMs) + 1
        var buckets = [Bucket](repeating: Bucket(), count: count)
        for sample in samples {
            let index = min(count - 1, max(0, Int(sample.t / bucketMs)))
            if sample.ok, let ms = sample.ms { buckets[index].latencies.append(ms) }
            if !sample.ok { buckets[index].failures += 1 }
        }
        var p50: [(Int, Double)] = [], p99: [(Int, Double)] = []
        var maxFailures = 0
        for i in buckets.indices {
            maxFailures = max(maxFailures, buckets[i].failures)
            guard !buckets[i].latencies.isEmpty else { continue }
            buckets[i].latencies.sort()
            if let v = Percentile.top(50, ofSorted: buckets[i].latencies) { p50.append((i, v)) }
            if let v = Percentile.top(99, ofSorted: buckets[i].latencies) { p99.append((i, v)) }
        }
        let yMax = niceCeiling(p99.map(\.1).max() ?? 1)
        let plotWidth = Double(right - left)
        func x(_ t: Int64) -> Double { Double(left) + plotWidth * Double(min(max(t, 0), end)) / Double(end) }
        func bucketX(_ i: Int) -> Double { x(Int64(i) * bucketMs + bucketMs / 2) }
        func y(_ ms: Double) -> Double { Double(latencyBottom) - Double(latencyBottom - top) * min(ms, yMax) / yMax }

        var out = ""
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" "
        out += "font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"\(markupEscaped(check)): latency and failures over time\">\n"
        out += "<title>\(markupEscaped(check)): latency p50/p99 and failed probes over the run</title>\n"
        out += "<rect width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        // Phases: baseline and recovery shaded; chaos left white so the faults stand out.
        for span in a.phases.spans(end: end) where span.phase != .chaos && span.to > span.from {
            out += rect(x(span.from), Double(top), x(span.to) - x(span.from), Double(failBottom - top), fill: "#dbe9f6",
                        title: "\(span.phase.rawValue) \(Format.offset(span.from)) – \(Format.offset(span.to))")
        }
        for row in a.faults {
            guard let from = row.entry.injectedT ?? Optional(row.entry.beginT) else { continue }
            let to = row.entry.revertedT ?? end
            out += rect(x(from), Double(top), max(1, x(to) - x(from)), Double(failBottom - top), fill: "#e74c3c", opacity: "0.16",
                        title: "\(row.entry.begin.faultID): \(row.entry.begin.fault) on \(row.entry.begin.target) \(Format.offset(from)) – \(Format.offset(to))")
        }
        // Axes and grid.
        for fraction in [0.0, 0.5, 1.0] {
            let value = yMax * fraction
            let yy = y(value)
            out += "<line x1=\"\(left)\" y1=\"\(f(yy))\" x2=\"\(right)\" y2=\"\(f(yy))\" stroke=\"#cccccc\" stroke-width=\"0.5\"/>\n"
            out += "<text x=\"\(left - 4)\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(milliseconds(value))</text>\n"
        }
        out += "<line x1=\"\(left)\" y1=\"\(failBottom)\" x2=\"\(right)\" y2=\"\(failBottom)\" stroke=\"#888888\" stroke-width=\"0.5\"/>\n"
        out += "<text x=\"\(left - 4)\" y=\"\(failTop + 12)\" text-anchor=\"end\">fail</text>\n"
        for tick in timeTicks(end: end) {
            out += "<line x1=\"\(f(x(tick)))\" y1=\"\(failBottom)\" x2=\"\(f(x(tick)))\" y2=\"\(failBottom + 4)\" stroke=\"#888888\"/>\n"
            out += "<text x=\"\(f(x(tick)))\" y=\"\(failBottom + 16)\" text-anchor=\"middle\">T+\(seconds(tick))</text>\n"
        }
        // Failed probes per interval.
        if maxFailures > 0 {
            let barWidth = max(1, x(bucketMs) - x(0) - 1)
            for (i, bucket) in buckets.enumerated() where bucket.failures > 0 {
                let h = Double(failBottom - failTop) * Double(bucket.failures) / Double(maxFailures)
                out += rect(x(Int64(i) * bucketMs), Double(failBottom) - h, barWidth, h, fill: "#c0392b",
                            title: "\(bucket.failures) failed probe(s) at \(Format.offset(Int64(i) * bucketMs))")
            }
        }
        // Latency lines.
        out += polyline(p99.map { (bucketX($0.0), y($0.1)) }, stroke: "#8e44ad", label: "p99")
        out += polyline(p50.map { (bucketX($0.0), y($0.1)) }, stroke: "#2471a3", label: "p50")
        // Operator marks as ticks on top.
        for (t, mark) in a.marks {
            let xx = f(x(t))
            var title = "\(mark.kind.rawValue) at \(Format.offset(t))"
            if let text = mark.text { title += ": \(text)" }
            if let by = mark.by { title += " (by \(by))" }
            out += "<g><title>\(markupEscaped(title))</title><line x1=\"\(xx)\" y1=\"\(top - 6)\" x2=\"\(xx)\" y2=\"\(failBottom)\" stroke=\"#d68910\" stroke-width=\"1\" stroke-dasharray=\"3,3\"/>"
            out += "<path d=\"M\(xx),\(top - 2) l-4,-7 h8 z\" fill=\"#d68910\"/></g>\n"
        }
        // Alerts (the journal's matching alerts: every chart, as they are not tied to a check) as ticks on the
        // time axis: a filled diamond when one started firing, a hollow one when it resolved. Alerts closer than a
        // diamond's width with the same status share one tick whose title counts them, so a noisy run (thousands of
        // alerts) keeps every chart small.
        for tick in alertTicks(alerts, x: x) {
            let xx = f(tick.x)
            let title = tick.title
            let colour = tick.firing ? "#117a65" : "#ffffff"
            out += "<g><title>\(markupEscaped(title))</title><line x1=\"\(xx)\" y1=\"\(top)\" x2=\"\(xx)\" y2=\"\(failBottom)\" stroke=\"#117a65\" stroke-width=\"1\" stroke-dasharray=\"1,2\"/>"
            out += "<path d=\"M\(xx),\(failBottom - 5) l5,5 l-5,5 l-5,-5 z\" fill=\"\(colour)\" stroke=\"#117a65\"/></g>\n"
        }
        // Title and legend.
        out += "<text x=\"\(left)\" y=\"16\" font-size=\"14\" font-weight=\"bold\">\(markupEscaped(check))</text>\n"
        out += "<text x=\"\(right)\" y=\"16\" text-anchor=\"end\">"
        out += "<tspan fill=\"#2471a3\">━ p50</tspan>  <tspan fill=\"#8e44ad\">━ p99</tspan>  <tspan fill=\"#c0392b\">▮ failed</tspan>  "
        out += "<tspan fill=\"#e74c3c\">■ fault</tspan>  <tspan fill=\"#d68910\">▼ mark</tspan>  "
        if !alerts.isEmpty { out += "<tspan fill=\"#117a65\">◆ alert</tspan>  " }
        out += "(interval \(seconds(bucketMs)))</text>\n"
        out += "</svg>\n"
        return out
    }

    /// One tick per `alertTickWidth` pixels and status, in journal order, at its first alert. A lone alert keeps its
    /// own title; a group says how many, over which time, and names its first three.
    static func alertTicks(_ alerts: [(t: Int64, alert: AlertEvent)], x: (Int64) -> Double)
        -> [(x: Double, firing: Bool, title: String)] {
        let alertTickWidth = 8.0  // a diamond is 10 px wide: closer ticks would overlap anyway
        var groups: [(column: Int, firing: Bool, members: [(t: Int64, alert: AlertEvent)])] = []
        var index: [Int: Int] = [:]  // column * 2 + status → position in groups
        for item in alerts {
            let firing = item.alert.status == .firing
            let column = Int(x(item.t) / alertTickWidth)
            let key = column * 2 + (firing ? 1 : 0)
            if let i = index[key] { groups[i].members.append(item) } else {
                index[key] = groups.count
                groups.append((column, firing, [item]))
            }
        }
        return groups.map { group in
            let status = group.firing ? "firing" : "resolved"
            let first = group.members[0]
            guard group.members.count > 1, let last = group.members.last else {
                let title = "alert \(status) at \(Format.offset(first.t)): \(AlertDetection.label(first.alert)) (\(first.alert.source.rawValue))"
                return (x(first.t), group.firing, title)
            }
            let names = group.members.prefix(3).map { AlertDetection.label($0.alert) }.joined(separator: ", ")
            let more = group.members.count > 3 ? " and \(group.members.count - 3) more" : ""
            let title = "\(group.members.count) alerts \(status) at \(Format.offset(first.t)) – \(Format.offset(last.t)): \(names)\(more)"
            return (x(first.t), group.firing, title)
        }
    }

    /// The smallest of 1, 2, 5 × 10^k at or above `value` (at least 1 ms).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 1 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        for step in [1.0, 2.0, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    /// About six round time ticks across the run.
    static func timeTicks(end: Int64) -> [Int64] {
        let steps: [Int64] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map { $0 * 1000 }
        let step = steps.first { end / $0 <= 6 } ?? ((end / 6 / 3_600_000) + 1) * 3_600_000
        return Array(stride(from: Int64(0), through: end, by: Int(step)))
    }

    private static func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, opacity: String? = nil, title: String) -> String {
        "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(w))\" height=\"\(f(h))\" fill=\"\(fill)\""
            + (opacity.map { " fill-opacity=\"\($0)\"" } ?? "") + "><title>\(markupEscaped(title))</title></rect>\n"
    }

    private static func polyline(_ points: [(Double, Double)], stroke: String, label: String) -> String {
        guard !points.isEmpty else { return "" }
        if points.count == 1 {
            return "<circle cx=\"\(f(points[0].0))\" cy=\"\(f(points[0].1))\" r=\"2\" fill=\"\(stroke)\"><title>\(label)</title></circle>\n"
        }
        return "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.5\" points=\""
            + points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"><title>\(label)</title></polyline>\n"
    }

    /// One decimal, locale-free.
    static func f(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let whole = Int64(tenths) / 10, fraction = abs(Int64(tenths) % 10)
        return (tenths < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
    }

    private static func milliseconds(_ ms: Double) -> String {
        ms >= 1000 ? "\(f(ms / 1000))s" : "\(Int64(ms.rounded()))ms"
    }

    private static func seconds(_ ms: Int64) -> String {
        ms % 1000 == 0 ? (ms >= 60_000 && ms % 60_000 == 0 ? "\(ms / 60_000)m" : "\(ms / 1000)s") : "\(f(Double(ms) / 1000))s"
    }
}
