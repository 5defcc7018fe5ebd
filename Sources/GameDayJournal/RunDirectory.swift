import Foundation

/// One run's directory: `runs/<UTC yyyyMMdd-HHmmss>-<plan name>/` holding `plan.yaml` (a copy of the plan),
/// `journal.jsonl` and `postmortem.md`.
public struct RunDirectory: Sendable, Equatable, Hashable {
    /// The directory's name, which is also the run's id (`20261124-013726-checkout-node-loss`).
    public let id: String
    public let url: URL

    public var journalURL: URL { url.appendingPathComponent("journal.jsonl") }
    public var planCopyURL: URL { url.appendingPathComponent("plan.yaml") }
    public var postmortemURL: URL { url.appendingPathComponent("postmortem.md") }

    /// An existing run directory (nothing is checked; reading its journal reports what is missing).
    public init(url: URL) {
        self.url = url.standardizedFileURL
        self.id = self.url.lastPathComponent
    }

    /// Creates a new, empty run directory under `runsDir` (created too if needed), named after the UTC start time
    /// and the plan. If that name is taken (two runs in the same second), `-2`, `-3`, ... is appended.
    public static func create(in runsDir: URL, planName: String, date: Date) throws -> RunDirectory {
        guard !planName.isEmpty, planName != ".", planName != "..",
              !planName.contains("/"), !planName.contains("\0") else {
            throw JournalError.invalidPlanName(planName)
        }
        do {
            try FileManager.default.createDirectory(at: runsDir, withIntermediateDirectories: true)
        } catch {
            throw JournalError.cannotCreateRunDirectory(path: runsDir.path, reason: "\(error.localizedDescription)")
        }
        let base = "\(timestamp(date))-\(planName)"
        // mkdir(2) fails with EEXIST instead of reusing a directory, so two runs never share one.
        for attempt in 1...1000 {
            let name = attempt == 1 ? base : "\(base)-\(attempt)"
            let dir = runsDir.appendingPathComponent(name)
            if mkdir(dir.path, 0o755) == 0 {
                // The new entry is durable only once its parent is synced: without this, a crash (power loss) right
                // after the run's first fsync'd journal line could lose the whole run directory, and with it the
                // write-ahead record `gameday recover` needs.
                syncDirectory(runsDir.path)
                return RunDirectory(url: dir)
            }
            let code = errno
            guard code == EEXIST else {
                throw JournalError.cannotCreateRunDirectory(path: dir.path, reason: errnoText(code))
            }
        }
        throw JournalError.cannotCreateRunDirectory(path: runsDir.appendingPathComponent(base).path,
                                                    reason: "1000 runs of this plan already started in this second")
    }

    /// The run directories under `runsDir` (directories holding a `journal.jsonl`), oldest first.
    /// A missing `runsDir` has no runs.
    public static func list(in runsDir: URL) throws -> [RunDirectory] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: runsDir.path, isDirectory: &isDir) else { return [] }
        guard isDir.boolValue else {
            throw JournalError.readFailed(path: runsDir.path, reason: "not a directory")
        }
        let names: [String]
        do {
            names = try fm.contentsOfDirectory(atPath: runsDir.path)
        } catch {
            throw JournalError.readFailed(path: runsDir.path, reason: error.localizedDescription)
        }
        return names
            .map { RunDirectory(url: runsDir.appendingPathComponent($0)) }
            .filter { fm.fileExists(atPath: $0.journalURL.path) }
            .sorted { order($0.id) < order($1.id) }
    }

    /// Sorts `-2`, `-10` suffixes numerically after the unsuffixed name of the same second.
    private static func order(_ id: String) -> (String, Int, String) {
        // ids look like yyyyMMdd-HHmmss-<name>[-N]; the timestamp prefix orders runs in time.
        let stamp = String(id.prefix(15))
        if let dash = id.lastIndex(of: "-"), let n = Int(id[id.index(after: dash)...]), n >= 2 {
            return (stamp, n, String(id[..<dash]))
        }
        return (stamp, 1, id)
    }

    /// `yyyyMMdd-HHmmss` in UTC.
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "-"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
    }
}
