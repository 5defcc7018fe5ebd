import GameDayCore

/// What one host-side fault runs: an inject script and the idempotent script that undoes it.
///
/// Scripts are POSIX `sh` source in which every plan value appears only through `ShellQuote` (or, for process
/// patterns, as octal escapes decoded at run time); the fixed parts are gameday's own text.
public struct RemoteFaultCommands: Sendable, Equatable {
    /// One line for humans and journals ("partition: drop inbound from 10.0.0.0/24").
    public var summary: String
    public var inject: String
    /// Undoes `inject`; safe to run any number of times, also after a lease already ran it. Nil when there is
    /// nothing to undo (a killed process is restarted by its supervisor, not by gameday).
    public var revert: String?
    /// Why there is nothing to undo, when `revert` is nil.
    public var nothingToRevertReason: String?
    /// Readable lines for `gameday plan`: the rules or settings the inject applies.
    public var details: [String]

    public init(summary: String, inject: String, revert: String?, nothingToRevertReason: String? = nil, details: [String] = []) {
        self.summary = summary; self.inject = inject; self.revert = revert
        self.nothingToRevertReason = nothingToRevertReason; self.details = details
    }
}

/// Exit codes of gameday's host-side scripts, so the controller can name the cause.
public enum RemoteExitCode {
    /// A tool the fault needs is missing on the host (nft/iptables, tc, stress-ng, systemctl).
    public static let toolMissing: Int32 = 69
    /// The kernel has no netem qdisc.
    public static let netemMissing: Int32 = 65
    /// No process matched the pid file or pattern.
    public static let noProcess: Int32 = 67
    /// The lease could not be installed.
    public static let leaseFailed: Int32 = 70
    /// No network interface could be found for a tc fault.
    public static let noInterface: Int32 = 66
    /// Another gameday script for the same fault held its lock on the host past the bound (`flock -E`).
    public static let busy: Int32 = 75
    /// The host stopped the script at its bound (`timeout` exits 124; 137 when it had to SIGKILL).
    public static let timedOut: Int32 = 124
    public static let timedOutKilled: Int32 = 137
}

/// Names of host-side objects, derived from the run and the step so that they can be found and removed by name.
public enum RemoteFaultNames {
    /// `gameday_<run>_<index>_<step>`: the nftables table (and the seed of the iptables chain names).
    public static func table(runID: String, stepIndex: Int, stepName: String) -> String {
        "gameday_\(sanitize(runID, limit: 48, separator: "_"))_\(stepIndex)_\(sanitize(stepName, limit: 48, separator: "_"))"
    }

    /// `gameday-<run>-<index>-<step>-<target>-<hash>`: the lease's systemd unit, watchdog pid-file and lock name,
    /// unique per host even when several hosts share one file system (as namespaced test hosts do).
    ///
    /// The readable parts are sanitized and truncated, so two runs or targets could map to the same text; the
    /// suffix, 8 hex digits of a hash of the unsanitized run id, step and target, keeps them apart.
    public static func lease(runID: String, stepIndex: Int, stepName: String, target: String) -> String {
        "gameday-\(sanitize(runID, limit: 48, separator: "-"))-\(stepIndex)-\(sanitize(stepName, limit: 48, separator: "-"))"
            + "-\(sanitize(target, limit: 48, separator: "-"))-\(hash8([runID, "\(stepIndex)", stepName, target]))"
    }

    /// The first 8 hex digits of the 64-bit FNV-1a hash of the parts, each followed by a NUL.
    public static func hash8(_ parts: [String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            hash = (hash ^ 0) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - hex.count) + hex).prefix(8))
    }

    /// Lowercase letters, digits and `separator` only, runs of others collapsed, at most `limit` characters.
    public static func sanitize(_ text: String, limit: Int, separator: Character) -> String {
        var out = ""
        for character in text.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) {
                out.append(character)
            } else if out.last != separator && !out.isEmpty {
                out.append(separator)
            }
        }
        while out.last == separator { out.removeLast() }
        if out.count > limit { out = String(out.prefix(limit)) }
        return out.isEmpty ? "x" : out
    }
}

/// Small building blocks for host-side scripts.
public enum HostScript {
    /// Sets `d` to the private state directory (lease pid files, locks): /run/gameday for root; for other users
    /// $XDG_RUNTIME_DIR/gameday when that runtime directory is theirs, else /tmp/gameday-<uid>. The directory is
    /// created with mode 0700 and used only when it is a real directory (not a symlink) owned by the user that no
    /// one else can write to; one that is merely readable by others is narrowed to 0700, anything else is refused
    /// (exit 70) with what to do.
    public static let stateDirectory = """
        u=$(id -u)
        if [ "$u" = 0 ]; then d=/run/gameday
        elif [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ ! -L "$XDG_RUNTIME_DIR" ] && [ "$(ls -ldn "$XDG_RUNTIME_DIR" | awk '{print $3}')" = "$u" ]; then d=$XDG_RUNTIME_DIR/gameday
        else d=/tmp/gameday-$u; fi
        mkdir -m 700 "$d" 2>/dev/null
        m=$(ls -ldn "$d" 2>/dev/null | awk '{print $1, $3}')
        case "$m" in
        "drwx------ $u"|"drwx------. $u") ;;
        d????[!w]??[!w]?" $u"|d????[!w]??[!w]?". $u") chmod 700 "$d" || exit \(RemoteExitCode.leaseFailed) ;;
        *) echo "gameday: refusing the lease directory $d (${m:-missing}): it must be a directory, not a symlink, owned by uid $u and writable by no one else; remove it (or chmod 700 it if it is yours) and retry" >&2; exit \(RemoteExitCode.leaseFailed) ;;
        esac
        """

    /// A condition that holds when `pid`'s command line carries the lease watchdog's marker (and, when given,
    /// the exact pid-file path it was started with).
    public static func isLeaseWatchdog(pid: String, pidFile: String?) -> String {
        let marker = "tr '\\0' '\\n' < /proc/\"\(pid)\"/cmdline 2>/dev/null | grep -qxF gameday-lease"
        guard let pidFile else { return marker }
        return marker + " && tr '\\0' '\\n' < /proc/\"\(pid)\"/cmdline 2>/dev/null | grep -qxF -- \"\(pidFile)\""
    }

    /// `printf '%b'` input that yields `text` byte for byte: plan values that must not appear verbatim on a
    /// command line (a `pkill -f` pattern would otherwise match the script that carries it).
    public static func octal(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let digits = String(byte, radix: 8)
            out += "\\0" + String(repeating: "0", count: 3 - digits.count) + digits
        }
        return out
    }

    /// Fails with `RemoteExitCode.toolMissing` and a clear message when `tool` is not on the host's PATH.
    public static func require(_ tool: String, hint: String) -> String {
        "command -v \(ShellQuote.quote(tool)) >/dev/null 2>&1 || { echo \(ShellQuote.quote("gameday: \(tool) is not installed on this host; \(hint)")) >&2; exit \(RemoteExitCode.toolMissing); }"
    }
}
