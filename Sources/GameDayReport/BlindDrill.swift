import GameDayCore

/// A blind drill's diagnoses (pure): per step, the time from the inject to the first diagnosis the facilitator marked
/// correct, and every other guess as a wrong turn.
public struct BlindDrill: Sendable, Equatable {
    public struct Diagnosis: Sendable, Equatable {
        public var seq: Int
        public var t: Int64
        public var text: String
        public var by: String?
        /// When the facilitator marked it correct (nil: never).
        public var confirmedT: Int64?
    }

    public struct StepDiagnosis: Sendable, Equatable {
        public var stepIndex: Int
        public var step: String
        public var injectedT: Int64
        /// The first diagnosis, made after this step's inject, that was marked correct.
        public var first: Diagnosis?
        /// inject -> that diagnosis.
        public var timeToDiagnose: Int64? { first.map { $0.t - injectedT } }
    }

    public var blind: Bool
    public var diagnoses: [Diagnosis]
    public var steps: [StepDiagnosis]
    /// Diagnoses never marked correct, in order.
    public var wrongTurns: [Diagnosis] { diagnoses.filter { $0.confirmedT == nil } }

    public init(events: [JournalEvent]) {
        var blind = false
        var diagnoses: [Diagnosis] = []
        var injected: [(index: Int, step: String, t: Int64)] = []
        var beginStep: [String: (Int, String)] = [:]
        for event in events {
            switch event.body {
            case .runStart(let s): blind = s.blind ?? false
            case .injectBegin(let b): beginStep[b.faultID] = (b.stepIndex, b.step)
            case .injectEnd(let o):
                if o.ok, let (index, step) = beginStep[o.faultID], !injected.contains(where: { $0.index == index }) {
                    injected.append((index, step, event.t))
                }
            case .mark(let m) where m.kind == .diagnosis:
                diagnoses.append(Diagnosis(seq: event.seq, t: event.t, text: m.text ?? "", by: m.by, confirmedT: nil))
            case .mark(let m) where m.kind == .correct:
                if let ref = m.ref, let i = diagnoses.firstIndex(where: { $0.seq == ref }), diagnoses[i].confirmedT == nil {
                    diagnoses[i].confirmedT = event.t
                }
            default: break
            }
        }
        self.blind = blind
        self.diagnoses = diagnoses
        // A correct diagnosis counts for the step injected most recently before it was made.
        steps = injected.sorted { $0.t < $1.t }.enumerated().map { position, step in
            let next = position + 1 < injected.count ? injected.sorted { $0.t < $1.t }[position + 1].t : Int64.max
            let first = diagnoses.first { $0.confirmedT != nil && $0.t >= step.t && $0.t < next }
            return StepDiagnosis(stepIndex: step.index, step: step.step, injectedT: step.t, first: first)
        }
    }

    /// The postmortem's blind-drill section (nothing for a run that was not blind and has no diagnoses).
    static func section(_ a: RunAnalysis, into doc: inout Document) {
        let drill = a.blindDrill
        guard drill.blind || !drill.diagnoses.isEmpty else { return }
        doc.line("## Blind drill: time to diagnose")
        doc.blank()
        doc.line("Participants were not told which fault, step or target was active. Time to diagnose runs from the inject "
                 + "to the first diagnosis the facilitator marked correct; every other guess is a wrong turn.")
        doc.blank()
        doc.line("| Step | Injected | Diagnosed | Time to diagnose | By | Diagnosis |")
        doc.line("|---|---|---|---|---|---|")
        for step in drill.steps {
            if let d = step.first {
                doc.line("| \(cell(step.step)) | \(Format.offset(step.injectedT)) | \(Format.offset(d.t)) | "
                         + "\(Format.offset(d.t - step.injectedT).dropFirst(2)) | \(cell(d.by ?? "—")) | \(cell(d.text)) |")
            } else {
                doc.line("| \(cell(step.step)) | \(Format.offset(step.injectedT)) | — | not diagnosed | — | — |")
            }
        }
        doc.blank()
        let wrong = drill.wrongTurns
        doc.line(wrong.isEmpty ? "Wrong turns: none." : "Wrong turns (\(wrong.count)):")
        if !wrong.isEmpty { doc.blank() }
        for d in wrong {
            doc.line("- \(Format.offset(d.t)) \(cell(d.by ?? "someone")): \(cell(d.text))")
        }
        doc.blank()
    }

    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
