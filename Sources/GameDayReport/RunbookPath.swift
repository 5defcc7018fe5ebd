/// Where a plan's runbook is, worked out from the plan's path alone (no file system).
///
/// Plans give `runbook:` relative to the plan file; the journal records the plan's path as the run saw it, so the
/// resolved path is relative to the directory `gameday run` ran in, or absolute if the plan's path was.
public enum RunbookPath {
    /// `runbook` resolved against the directory of `planFile`, with `.` and `..` folded.
    /// URLs and absolute paths are returned unchanged.
    public static func resolve(_ runbook: String, relativeTo planFile: String) -> String {
        if runbook.contains("://") || runbook.hasPrefix("/") { return runbook }
        let absolute = planFile.hasPrefix("/")
        var parts = planFile.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if !parts.isEmpty { parts.removeLast() }
        var out: [String] = []
        for part in parts + runbook.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            switch part {
            case ".": continue
            case "..":
                if let last = out.last, last != ".." { out.removeLast() } else if !absolute { out.append("..") }
            default: out.append(part)
            }
        }
        let joined = out.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// The absolute `path` as seen from the absolute `directory` (`../../runbooks/r.md`), so a link in a file in
    /// `directory` keeps working when the whole tree moves.
    public static func relative(_ path: String, from directory: String) -> String {
        let target = path.split(separator: "/").map(String.init)
        let base = directory.split(separator: "/").map(String.init)
        var common = 0
        while common < min(target.count - 1, base.count) && target[common] == base[common] { common += 1 }
        return (Array(repeating: "..", count: base.count - common) + target[common...]).joined(separator: "/")
    }

    /// The link target for Markdown: spaces and parentheses escaped so the link stays one token.
    static func linkTarget(_ path: String) -> String {
        var out = ""
        for c in path {
            switch c {
            case " ": out += "%20"
            case "(": out += "%28"
            case ")": out += "%29"
            default: out.append(c)
            }
        }
        return out
    }
}
