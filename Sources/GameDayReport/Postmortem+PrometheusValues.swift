import GameDayCore

extension Postmortem {
    /// `## Prometheus values`: per Prometheus check and phase, the smallest and largest value its query returned.
    /// Rendered only for runs with Prometheus checks, so other postmortems keep their bytes.
    static func prometheusValues(_ a: RunAnalysis, into doc: inout Document) {
        let promChecks = Set((a.start?.checks ?? []).compactMap { check -> String? in
            if case .prometheus = check.kind { return check.name }
            return nil
        })
        let rows = a.checkStats.filter { promChecks.contains($0.check) }
        guard !rows.isEmpty else { return }
        doc.line("## Prometheus values")
        doc.blank()
        doc.line("The values each Prometheus check's query returned (every evaluation is in the journal).")
        doc.blank()
        doc.line("| Check | Phase | Evaluations | Min | Max |")
        doc.line("|---|---|---:|---:|---:|")
        for s in rows {
            let evaluations = "\(Format.count(s.samples))" + (s.failures > 0 ? " (\(Format.count(s.failures)) failed)" : "")
            doc.line("| \(Format.cell(s.check)) | \(s.phase.rawValue) | \(evaluations) | "
                     + "\(s.minValue.map(PrometheusCheck.format) ?? "—") | \(s.maxValue.map(PrometheusCheck.format) ?? "—") |")
        }
        doc.blank()
    }
}
