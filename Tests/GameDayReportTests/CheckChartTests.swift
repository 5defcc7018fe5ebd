import Foundation
import GameDayCore
import Testing
@testable import GameDayReport

struct CheckChartTests {
    /// The chart of a run with faults, failures and operator marks renders as its golden SVG, byte for byte.
    @Test func operatorMarksChartGolden() throws {
        let charts = CheckChart.render(Scenarios.operatorMarks)
        #expect(!charts.isEmpty)
        for chart in charts {
            try GoldenFile.check("operator-marks-" + chart.name.replacingOccurrences(of: ".svg", with: ""), extension: "svg", chart.svg)
        }
    }

    /// The postmortem links exactly the charts that are rendered, one per check with samples, by file name.
    @Test func postmortemLinksEveryChart() {
        for events in [Scenarios.held, Scenarios.operatorMarks, Scenarios.guardrailAborted, Scenarios.dryRun] {
            let markdown = Postmortem.render(events)
            let charts = CheckChart.render(events)
            let linked = markdown.split(separator: "\n").filter { $0.hasPrefix("![") }.compactMap { line -> String? in
                guard let open = line.lastIndex(of: "("), line.hasSuffix(")") else { return nil }
                return String(line[line.index(after: open)..<line.index(before: line.endIndex)])
            }
            #expect(linked == charts.map(\.name))
        }
    }

    /// A run without probe samples gets no chart and no Charts section (such postmortems stay as they were).
    @Test func noSamplesNoCharts() {
        let events = Scenarios.held.filter { if case .probe = $0.body { return false } else { return true } }
        #expect(CheckChart.render(events).isEmpty)
        #expect(!Postmortem.render(events).contains("## Charts"))
    }

    /// Each chart shades the fault intervals and the baseline, draws p50/p99 and a tick per operator mark, and
    /// escapes text from the journal (a note is never markup).
    @Test func chartElements() throws {
        var events = Scenarios.operatorMarks
        let last = try #require(events.last)
        events.insert(JournalEvent(seq: last.seq, t: last.t - 1, wall: last.wall - 1,
                                   body: .mark(OperatorMark(kind: .note, text: "<script>alert(1)</script> & co", by: "Ana", role: "participant"))),
                      at: events.count - 1)
        let svg = try #require(CheckChart.render(events).first).svg
        #expect(svg.contains("fill=\"#e74c3c\" fill-opacity=\"0.16\""), "no fault interval shaded")
        #expect(svg.contains("<title>baseline "), "no baseline shading")
        #expect(svg.contains("<title>p50</title>") || svg.contains("p50</title></circle>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co (by Ana)"))
        #expect(!svg.contains("<script>"))
        let marks = events.filter { if case .mark = $0.body { return true } else { return false } }.count
        #expect(svg.components(separatedBy: "stroke-dasharray=\"3,3\"").count - 1 == marks)
    }

    /// The operator-marks run with a matching alert that fired and resolved (its label carrying markup).
    static var withAlerts: [JournalEvent] {
        var events = Scenarios.operatorMarks
        func alert(_ status: AlertEvent.Status) -> EventBody {
            .alert(AlertEvent(status: status, name: "Web3Down", labels: ["alertname": "Web3Down", "instance": "web-3", "note": "<b>&</b>"],
                              fingerprint: "f1", startsAt: "2026-11-24T01:37:38Z", source: .webhook))
        }
        for (t, body) in [(Int64(11_500), alert(.firing)), (Int64(21_200), alert(.resolved))] {
            let index = events.firstIndex { $0.t > t } ?? events.endIndex
            let origin = events[0].wall - events[0].t
            events.insert(JournalEvent(seq: 0, t: t, wall: origin + t, body: body), at: index)
        }
        return events.enumerated().map { JournalEvent(seq: $0.offset + 1, t: $0.element.t, wall: $0.element.wall, body: $0.element.body) }
    }

    /// Alerts are ticks on every chart (filled diamond: firing, hollow: resolved) with an escaped label, and the
    /// legend and Charts section mention them; the chart renders as its golden SVG, byte for byte.
    @Test func alertTicks() throws {
        let charts = CheckChart.render(Self.withAlerts)
        #expect(charts.count == 2)
        for chart in charts {
            #expect(chart.svg.components(separatedBy: "stroke=\"#117a65\" stroke-width=\"1\" stroke-dasharray=\"1,2\"").count - 1 == 2)
            #expect(chart.svg.contains("<title>alert firing at T+00:11.500: Web3Down {instance=&quot;web-3&quot;, note=&quot;&lt;b&gt;&amp;&lt;/b&gt;&quot;} (webhook)</title>"))
            #expect(chart.svg.contains("<title>alert resolved at T+00:21.200: "))
            #expect(chart.svg.contains("◆ alert"))
            #expect(!chart.svg.contains("<b>"))
        }
        let web3 = try #require(charts.first { $0.name == "chart-web-3.svg" })
        try GoldenFile.check("alerts-chart-web-3", extension: "svg", web3.svg)
        #expect(Postmortem.render(Self.withAlerts).contains("alerts as diamonds on the time axis"))
        // A run without alerts is drawn and described as before (no legend entry, no sentence).
        #expect(!(try #require(CheckChart.render(Scenarios.operatorMarks).first)).svg.contains("◆ alert"))
        #expect(!Postmortem.render(Scenarios.operatorMarks).contains("alerts as diamonds"))
    }

    /// A noisy run: thousands of alerts share one tick per 8 px and status (its title counts them), so a chart stays
    /// small — before, every alert was drawn, and 10,000 alerts made each of 50 charts about 3 MB.
    @Test func manyAlertsShareTicks() throws {
        var events = Scenarios.operatorMarks
        let origin = events[0].wall - events[0].t
        let end = try #require(events.last).t
        let count = 5_000
        var alerts: [JournalEvent] = []
        for i in 0..<count {
            let t = Int64(i) * (end - 1) / Int64(count)
            let status: AlertEvent.Status = i % 2 == 0 ? .firing : .resolved
            alerts.append(JournalEvent(seq: 0, t: t, wall: origin + t, body: .alert(AlertEvent(
                status: status, name: "Noise\(i % 5)", labels: ["alertname": "Noise\(i % 5)"], fingerprint: "n\(i)",
                startsAt: "2026-11-24T01:37:38Z", source: .api))))
        }
        events = (events + alerts).sorted { $0.t < $1.t }.enumerated().map {
            JournalEvent(seq: $0.offset + 1, t: $0.element.t, wall: $0.element.wall, body: $0.element.body)
        }
        let chart = try #require(CheckChart.render(events).first)
        let ticks = chart.svg.components(separatedBy: "stroke-dasharray=\"1,2\"").count - 1
        // At most one firing and one resolved tick per 8 px of the plot (the chart is 800 px wide).
        #expect(ticks > 0 && ticks <= 2 * 100, "\(ticks) alert ticks")
        #expect(chart.svg.utf8.count < 150_000, "\(chart.svg.utf8.count) bytes")
        #expect(chart.svg.contains(" alerts firing at T+"))
        #expect(chart.svg.contains(" more</title>"))
        // Every alert is still counted in some tick's title.
        var counted = 0
        for title in chart.svg.components(separatedBy: "<title>").dropFirst().map({ $0.components(separatedBy: "</title>")[0] }) {
            if title.hasPrefix("alert ") { counted += 1 } else if let n = Int(title.prefix { $0.isNumber }), title.contains(" alerts ") { counted += n }
        }
        #expect(counted == count)
    }

    /// File names are safe whatever the check is called.
    @Test func fileNames() {
        #expect(CheckChart.fileName(check: "storefront") == "chart-storefront.svg")
        #expect(CheckChart.fileName(check: "../etc/pass wd") == "chart----etc-pass-wd.svg")
    }

    /// Numbers are written the same everywhere (no locale, one decimal) and round scales are picked.
    @Test func numbersAndScales() {
        #expect(CheckChart.f(12.345) == "12.3")
        #expect(CheckChart.f(-0.26) == "-0.3")
        #expect(CheckChart.niceCeiling(430) == 500)
        #expect(CheckChart.niceCeiling(1001) == 2000)
        #expect(CheckChart.timeTicks(end: 60_000) == [0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000])
    }
}
