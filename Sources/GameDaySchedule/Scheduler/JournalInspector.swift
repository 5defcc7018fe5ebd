import Foundation

/// Reads what the scheduler needs from run journals (`journal.jsonl`): whether a run ended, and which faults are
/// applied right now. Tolerant: a torn last line or an unknown event is ignored, and reads are bounded.
public enum JournalInspector {
    static let maxJournalBytes = 64 << 20

    /// The run directories (folders holding `journal.jsonl`) inside a decision's runs folder, oldest name first.
    public static func runDirectories(in runsDir: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: runsDir) else { return [] }
        return names.sorted().compactMap { name in
            let dir = URL(fileURLWithPath: runsDir).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: dir.appendingPathComponent("journal.jsonl").path) ? dir.path : nil
        }
    }

    /// What a decision's runs folder says about its run.
    public static func state(ofRunsDir runsDir: String) -> (JournalState, runDir: String?) {
        guard let runDir = runDirectories(in: runsDir).last else { return (.noRun, nil) }
        return (state(ofJournal: URL(fileURLWithPath: runDir).appendingPathComponent("journal.jsonl").path), runDir)
    }

    /// Whether a journal holds `run.end`, and with what.
    public static func state(ofJournal path: String) -> JournalState {
        var end: JournalState = .unfinished
        forEachEvent(path) { event in
            if event.type == "run.end" { end = .finished(status: event.status ?? "unknown", stillActive: event.stillActive ?? []) }
        }
        return end
    }

    /// The faults a journal shows applied and not (successfully) reverted.
    public static func activeFaults(journal path: String) -> Int {
        var active: Set<String> = []
        forEachEvent(path) { event in
            guard let id = event.faultID else { return }
            switch event.type {
            case "inject.begin": active.insert(id)
            case "inject.end": if event.ok == false { active.remove(id) }
            case "revert.end": if event.ok == true { active.remove(id) }
            default: break
            }
        }
        return active.count
    }

    private struct Line: Decodable {
        var type: String
        var status: String?
        var stillActive: [String]?
        var faultID: String?
        var ok: Bool?
    }

    private static func forEachEvent(_ path: String, _ body: (Line) -> Void) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maxJournalBytes), !data.isEmpty else { return }
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            if let event = try? decoder.decode(Line.self, from: Data(line)) { body(event) }
        }
    }
}
