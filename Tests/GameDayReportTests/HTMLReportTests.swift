import Foundation
import GameDayCore
import Testing
@testable import GameDayReport

struct HTMLReportTests {
    /// The HTML report of a run with faults, marks and charts renders as its golden file, byte for byte.
    @Test func operatorMarksGolden() throws {
        let events = Scenarios.operatorMarks
        let html = HTMLReport.render(markdown: Postmortem.render(events), charts: CheckChart.render(events))
        try GoldenFile.check("operator-marks", extension: "html", html)
    }

    /// Rendering twice gives the same bytes (a pure function of the postmortem and charts).
    @Test func deterministic() {
        for events in [Scenarios.held, Scenarios.revertFailed, Scenarios.operatorMarks] {
            let a = HTMLReport.render(markdown: Postmortem.render(events), charts: CheckChart.render(events))
            let b = HTMLReport.render(markdown: Postmortem.render(events), charts: CheckChart.render(events))
            #expect(a == b)
        }
    }

    /// Every chart the postmortem links is inlined as SVG, and nothing is loaded from anywhere: no `src=`, no
    /// stylesheet or script link, no `<img>`.
    @Test func chartsInlinedNoExternalAssets() throws {
        let events = Scenarios.operatorMarks
        let charts = CheckChart.render(events)
        #expect(!charts.isEmpty)
        let html = HTMLReport.render(markdown: Postmortem.render(events), charts: charts)
        #expect(html.components(separatedBy: "<svg ").count - 1 == charts.count)
        for chart in charts { #expect(html.contains(chart.svg.trimmingCharacters(in: .whitespacesAndNewlines))) }
        for forbidden in ["src=", "<img", "<link", "<script", "@import", "url("] { #expect(!html.contains(forbidden), "found \(forbidden)") }
        #expect(!html.contains("chart-web-3.svg)"), "a chart left as a Markdown image")
    }

    /// Journal text is escaped everywhere (a note or target is never markup), and only safe hrefs become links.
    @Test func escapesText() {
        let markdown = """
        # Postmortem: <b>x</b>

        | Note | By |
        |---|---|
        | <script>alert(1)</script> & "q" | `<i>` |

        - [ ] follow up on <img src=x onerror=alert(1)>
        - [x] done **bold <u>**

        [click](javascript:alert(1)) and [runbook](../runbooks/a.md) and ![pic](http://example.com/p.png)

        <sub>Rendered by gameday</sub>
        """
        let html = HTMLReport.render(markdown: markdown, charts: [])
        #expect(html.contains("<title>Postmortem: &lt;b&gt;x&lt;/b&gt;</title>"))
        #expect(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</td>"))
        #expect(html.contains("<code>&lt;i&gt;</code>"))
        #expect(html.contains("<input type=\"checkbox\" disabled>follow up on &lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("<input type=\"checkbox\" disabled checked>done <strong>bold &lt;u&gt;</strong>"))
        #expect(!html.contains("javascript:"))
        #expect(html.contains("<a href=\"../runbooks/a.md\">runbook</a>"))
        #expect(html.contains("[pic]") && !html.contains("example.com"))
        #expect(html.contains("<p><small>Rendered by gameday</small></p>"))
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>") && !html.contains("<u>"))
    }

    /// The "fault still active" banner is a caution block holding its list and the revert command as code.
    @Test func cautionBanner() {
        let html = HTMLReport.render(markdown: Postmortem.render(Scenarios.revertFailed), charts: [])
        #expect(html.contains("<blockquote class=\"caution\">\n<p class=\"banner-label\">Caution</p>\n<p><strong>FAULT STILL ACTIVE</strong>"))
        #expect(html.contains("<pre><code class=\"language-sh\">ssh -p 2222 ops@10.0.0.21 &#39;kill -CONT 812&#39;</code></pre>")
                || html.contains("<pre><code class=\"language-sh\">ssh -p 2222 ops@10.0.0.21 'kill -CONT 812'</code></pre>"))
        #expect(html.contains("<th class=\"num\">Samples</th>"))
    }
}
