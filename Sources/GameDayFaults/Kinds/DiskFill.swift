import GameDayCore
import GameDayYAML
import Yams

/// `disk-fill`: fill the file system that holds `path` on each target to a usage percentage (`percent`) or by a
/// size (`size`), with one file that the revert (and the host-side lease) deletes by name. Refuses a `path` that is
/// not a directory, and never fills past 99 % unless `allowFull: true`.
public enum DiskFill: FaultKind {
    public struct Options: FaultOptions {
        public enum Amount: Sendable, Codable, Equatable {
            /// The file system's usage to reach, in percent (df's Capacity: used / (used + available)).
            case percent(Double)
            /// Bytes to add.
            case bytes(Int64)
        }

        /// A directory on the file system to fill (absolute).
        public var path: String
        public var amount: Amount
        /// Allows filling past 99 %.
        public var allowFull: Bool

        public init(path: String, amount: Amount, allowFull: Bool = false) {
            self.path = path; self.amount = amount; self.allowFull = allowFull
        }
    }

    public static let id = "disk-fill"
    public static let planName = "disk-fill"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        [HostRequirements.program("df", package: "coreutils", neededBy: planName),
         HostRequirement(.tool(anyOf: [HostRequirement.Tool("fallocate"), HostRequirement.Tool("head")]), neededBy: planName,
                         fix: "install util-linux (fallocate) or coreutils (head -c, the slower fallback)")]
    }
    public static let keys = [
        OptionKey("path", .string, required: true, "an absolute directory on the file system to fill; the fill file is created in it"),
        OptionKey("percent", .percent, "the usage to reach (df's Capacity), 1% to 99% (100% with `allowFull`)"),
        OptionKey("size", .size, "bytes to add instead: `512M`, `2G` (K, M, G, T are powers of 1024)"),
        OptionKey("allowFull", .boolean, default: "false", "allow filling past 99%"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Fill the file system holding `path` on each target, to `percent` usage or by `size` (exactly one), with one file `PATH/.gameday-fill-<lease>` that the revert and the host-side lease delete by name. A `path` that is not a directory is refused; usage never goes past 99% unless `allowFull: true`.",
        example: "{ path: /var/tmp, percent: 90% }")

    /// Exit code of the inject when `path` is not a directory.
    public static let notADirectory: Int32 = 68

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let f = with, let pathNode = reader.require(f, "path", "disk-fill fault of step '\(context.step)'"),
              let path = reader.string(pathNode, "path") else {
            if with == nil { reader.error(context.stepNode, "disk-fill fault of step '\(context.step)' needs 'with: { path: /var/tmp, percent: 90% }'") }
            return nil
        }
        guard path.hasPrefix("/"), !path.contains("\n"), !path.contains("\0") else {
            reader.error(pathNode, "path must be an absolute directory such as /var/tmp, found '\(path)'")
            return nil
        }
        let allowFull = reader.bool(f["allowFull"], "allowFull") ?? false
        if f.has("percent") == f.has("size") {
            reader.error(f.node, "disk-fill fault of step '\(context.step)' needs exactly one of percent or size")
            return nil
        }
        if f.has("percent") {
            guard let percent = reader.percent(f["percent"], "percent") else { return nil }
            guard percent > 0, percent <= (allowFull ? 100 : 99) else {
                reader.error(f["percent"], allowFull ? "percent must be greater than 0%"
                    : "percent must be 1% to 99% (set allowFull: true to fill further), found \(Percent.format(percent))")
                return nil
            }
            return Options(path: path, amount: .percent(percent), allowFull: allowFull)
        }
        guard let text = reader.string(f["size"], "size") else { return nil }
        guard let bytes = bytes(text), bytes > 0 else {
            reader.error(f["size"], "size must be a positive size such as 512M or 2G, found '\(text)'")
            return nil
        }
        return Options(path: path, amount: .bytes(bytes), allowFull: allowFull)
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(commands(options, name: context.leaseName))
    }

    /// The fill file: in `path`, named after the lease (so the revert deletes exactly it).
    public static func file(_ options: Options, name: String) -> String {
        (options.path.hasSuffix("/") ? options.path : options.path + "/") + ".gameday-fill-" + name
    }

    /// The host scripts: measure with df, create the file (noclobber) and allocate it; the revert deletes it.
    public static func commands(_ options: Options, name: String) -> RemoteFaultCommands {
        let file = ShellQuote.quote(file(options, name: name))
        // Arithmetic in KiB (df -k), the target as basis points of df's capacity.
        let target: String
        let summary: String
        switch options.amount {
        case .percent(let percent):
            target = "want=$(( total * \(Int((percent * 100).rounded())) / 10000 - used ))"
            summary = "disk-fill: \(options.path) to \(Percent.format(percent))"
        case .bytes(let bytes):
            target = "want=\((bytes + 1023) / 1024)"
            summary = "disk-fill: \(Self.format(bytes)) in \(options.path)"
        }
        let cap = options.allowFull ? "cap=$(( avail ))" : "cap=$(( total * 99 / 100 - used ))"
        let inject = [
            HostScript.require("df", hint: "install coreutils"),
            "p=\(ShellQuote.quote(options.path)); f=\(file)",
            "[ -d \"$p\" ] && [ ! -L \"$p\" ] || { echo \"gameday: disk-fill path $p is not a directory\" >&2; exit \(notADirectory); }",
            "set -- $(df -P -k -- \"$p\" | awk 'NR == 2 { print $3, $4 }')",
            "used=${1:-}; avail=${2:-}",
            "case \"$used$avail\" in ''|*[!0-9]*) echo \"gameday: cannot read the usage of $p from df\" >&2; exit 1 ;; esac",
            "total=$(( used + avail ))",
            "[ \"$total\" -gt 0 ] || { echo \"gameday: $p is on a file system of size 0\" >&2; exit 1; }",
            target,
            cap,
            "[ \"$want\" -gt 0 ] || { echo \"gameday: $p is already at $(( used * 100 / total ))% ($summary needs nothing)\" >&2; exit 1; }",
            "capped=",
            "if [ \"$want\" -gt \"$cap\" ]; then want=$cap; capped=' (capped at 99%; allowFull: true fills further)'; fi",
            "[ \"$want\" -gt 0 ] || { echo \"gameday: $p is already at $(( used * 100 / total ))%, the most disk-fill fills without allowFull: true\" >&2; exit 1; }",
            "bytes=$(( want * 1024 ))",
            "( set -C; : > \"$f\" ) 2>/dev/null || { echo \"gameday: $f already exists; revert the earlier fault first\" >&2; exit 1; }",
            "if ! fallocate -l \"$bytes\" -- \"$f\" 2>/dev/null; then",
            "head -c \"$bytes\" /dev/zero > \"$f\" || { rm -f -- \"$f\"; echo \"gameday: could not write $bytes bytes to $f\" >&2; exit 1; }",
            "fi",
            "echo \"filled $f with $bytes bytes$capped; $p is now at $(df -P -k -- \"$p\" | awk 'NR == 2 { print $5 }')\"",
        ].joined(separator: "\n").replacingOccurrences(of: "$summary", with: summary.replacingOccurrences(of: "\"", with: ""))
        return RemoteFaultCommands(summary: summary, inject: inject, revert: "rm -f -- \(file)")
    }

    /// `512M` → 536870912 (K, M, G, T are powers of 1024; a plain number is bytes).
    static func bytes(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        let units: [(String, Int64)] = [("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let digits = t.dropLast(suffix.count)
            guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy(\.isNumber), let value = Int64(digits) else { return nil }
            return value.multipliedReportingOverflow(by: factor).overflow ? nil : value * factor
        }
        return nil
    }

    static func format(_ bytes: Int64) -> String {
        for (suffix, factor) in [("T", Int64(1) << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes % factor == 0 {
            return "\(bytes / factor)\(suffix)"
        }
        return "\(bytes) bytes"
    }
}
