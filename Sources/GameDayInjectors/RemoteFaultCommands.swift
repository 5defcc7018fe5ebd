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

    public init(summary: String, inject: String, revert: String?, nothingToRevertReason: String? = nil) {
        self.summary = summary; self.inject = inject; self.revert = revert
        self.nothingToRevertReason = nothingToRevertReason
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
}

/// Names of host-side objects, derived from the run and the step so that they can be found and removed by name.
public enum RemoteFaultNames {
    /// `gameday_<run>_<index>_<step>`: the nftables table (and the seed of the iptables chain names).
    public static func table(runID: String, stepIndex: Int, stepName: String) -> String {
        "gameday_\(sanitize(runID, limit: 48, separator: "_"))_\(stepIndex)_\(sanitize(stepName, limit: 48, separator: "_"))"
    }

    /// `gameday-<run>-<index>-<step>-<target>`: the lease's systemd unit or watchdog pid-file name, unique per host
    /// even when several hosts share one file system (as namespaced test hosts do).
    public static func lease(runID: String, stepIndex: Int, stepName: String, target: String) -> String {
        "gameday-\(sanitize(runID, limit: 48, separator: "-"))-\(stepIndex)-\(sanitize(stepName, limit: 48, separator: "-"))"
            + "-\(sanitize(target, limit: 48, separator: "-"))"
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
enum HostScript {
    /// Sets `d` to a writable state directory: /run/gameday for root, else a per-user directory under /tmp.
    static let stateDirectory = #"d=/run/gameday; { mkdir -p "$d" 2>/dev/null && [ -w "$d" ]; } || { d="/tmp/gameday-$(id -u)"; mkdir -p "$d" || exit 70; }"#

    /// `printf '%b'` input that yields `text` byte for byte: plan values that must not appear verbatim on a
    /// command line (a `pkill -f` pattern would otherwise match the script that carries it).
    static func octal(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let digits = String(byte, radix: 8)
            out += "\\0" + String(repeating: "0", count: 3 - digits.count) + digits
        }
        return out
    }

    /// Fails with `RemoteExitCode.toolMissing` and a clear message when `tool` is not on the host's PATH.
    static func require(_ tool: String, hint: String) -> String {
        "command -v \(ShellQuote.quote(tool)) >/dev/null 2>&1 || { echo \(ShellQuote.quote("gameday: \(tool) is not installed on this host; \(hint)")) >&2; exit \(RemoteExitCode.toolMissing); }"
    }
}
