import Foundation
import GameDayJournal
import GameDayReport

extension RunDirectory {
    /// The postmortem of this run's journal as read: what `gameday run`, `report` and `recover` all write, with the
    /// runbook linked relative to the postmortem's own directory.
    func postmortem(of contents: JournalContents) -> String {
        Postmortem.render(contents.events, integrity: JournalIntegrity(tornTail: contents.tornTail, skippedLines: contents.skippedLines),
                          postmortemDirectory: url.standardizedFileURL.path)
    }

    /// Writes the per-check SVG charts the postmortem links to, beside it (each atomically).
    func writeCharts(of contents: JournalContents) throws {
        for chart in CheckChart.render(contents.events) {
            try Data(chart.svg.utf8).write(to: url.appendingPathComponent(chart.name), options: .atomic)
        }
    }

    /// The self-contained HTML postmortem (`gameday report --html`), written beside postmortem.md.
    var htmlReportURL: URL { url.appendingPathComponent(HTMLReport.fileName) }

    /// The postmortem as one HTML file with the charts inlined (deterministic, like the Markdown).
    func htmlReport(of contents: JournalContents) -> String {
        HTMLReport.render(markdown: postmortem(of: contents), charts: CheckChart.render(contents.events))
    }

    /// `writeCharts`, where a failure (a full disk) is said on stderr but does not change the run's outcome: the
    /// postmortem and journal are the record, and `gameday report` draws the charts again later.
    func writeChartsOrWarn(of contents: JournalContents) {
        do {
            try writeCharts(of: contents)
        } catch {
            Console.err("gameday: warning: cannot write the charts beside \(postmortemURL.path) (\(error.localizedDescription)); once there is space, run `gameday report \(url.path)`")
        }
    }
}
