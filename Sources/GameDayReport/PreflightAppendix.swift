import GameDayCore

/// The postmortem's appendix with what the run's preflight found: one row per subject and requirement, the lease
/// rehearsals with their measured delays, and the summary. Absent when the run had no preflight.
enum PreflightAppendix {
    static func render(_ report: PreflightReport?, into doc: inout Document) {
        guard let report else { return }
        doc.line("## Appendix: preflight")
        doc.blank()
        doc.line(report.summary.prefix(1).uppercased() + report.summary.dropFirst() + ".")
        doc.blank()
        doc.line("| | Subject | Requirement | Found |")
        doc.line("|---|---|---|---|")
        for item in report.items {
            let mark: String
            switch item.status {
            case .ok: mark = "✔"
            case .warning: mark = "!"
            case .failed: mark = "✗"
            }
            var found = item.detail
            if item.status != .ok, let fix = item.fix { found += " — fix: \(fix)" }
            let requirement = item.requirement + (item.steps.isEmpty ? "" : " (for \(item.steps.joined(separator: ", ")))")
            doc.line("| \(mark) | \(Format.cell(item.subject)) | \(Format.cell(requirement)) | \(Format.cell(found)) |")
        }
        doc.blank()
        guard !report.rehearsals.isEmpty else { return }
        doc.line("Lease rehearsals (a marker fault whose revert was withheld; its lease had to remove it):")
        doc.blank()
        doc.line("| Host | Marker | Kept by | Lease | Fired after | Delay |")
        doc.line("|---|---|---|---|---|---|")
        for r in report.rehearsals {
            let fired = r.firedAfter.map { (Format.fixed($0, decimals: 1) + " s") } ?? "**did not fire**"
            let delay = r.delay.map { ($0 >= 0 ? "+" : "") + (Format.fixed($0, decimals: 1) + " s") } ?? Format.cell(r.problem ?? "")
            doc.line("| \(Format.cell(r.host)) | \(Format.cell(r.marker)) | \(Format.cell(r.keeper)) | \(r.leaseSeconds) s | \(fired) | \(delay) |")
        }
        doc.blank()
    }
}
