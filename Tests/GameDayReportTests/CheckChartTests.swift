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
