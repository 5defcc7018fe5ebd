import GameDayCore
import GameDayFaults

/// How a host-side lease (dead man's switch) is kept.
public enum LeaseMode: String, Sendable, Codable, CaseIterable {
    /// A systemd timer where systemd is the init system, else a detached watchdog process (decided on the host).
    case automatic
    /// Always `systemd-run --on-active`.
    case systemd
    /// Always a detached `setsid sh` watchdog whose pid is kept in the host's state directory.
    case watchdog
}

/// A host-side timer that runs a fault's revert at `seconds` after the fault was applied, unless cancelled first.
public struct Lease: Sendable, Equatable {
    /// Unit / pid-file name (see `RemoteFaultNames.lease`).
    public var name: String
    public var seconds: Int64
    public var mode: LeaseMode

    public init(name: String, seconds: Int64, mode: LeaseMode = .automatic) {
        self.name = name; self.seconds = max(1, seconds); self.mode = mode
    }

    /// A lease firing at `duration + grace`, rounded up to whole seconds.
    public init(name: String, duration: TimeSpan, grace: TimeSpan, mode: LeaseMode = .automatic) {
        let total = max(0, (duration + grace).milliseconds)
        self.init(name: name, seconds: (total + 999) / 1000, mode: mode)
    }
}

/// How long a host-side script may run on the host: `timeout -k killAfter seconds`.
///
/// Derived from the controller's command timeout and shorter than it, so the host stops a hung script (and
/// reports exit 124) before the controller gives up on the ssh client: a script never keeps running on the host
/// after the controller has moved on.
public struct HostBound: Sendable, Equatable {
    public var seconds: Int64
    public var killAfter: Int64

    public init(commandTimeout: TimeSpan) {
        let total = max(1, commandTimeout.milliseconds / 1000)
        seconds = total >= 4 ? total - 2 : max(1, total - 1)
        killAfter = 1
    }

    /// `timeout -k K S` (GNU coreutils or busybox).
    var prefix: String { "timeout -k \(killAfter) \(seconds)" }
}

/// Builds the scripts that install a fault together with its lease, and revert it while cancelling the lease.
///
/// Order matters: the lease is installed before the fault, so a controller that dies (or is cut off) right after
/// the inject still leaves a host that heals itself; and the lease is cancelled only after the revert succeeded,
/// so a revert that fails (or a connection that drops mid-revert) leaves the dead man's switch armed. When the
/// inject fails, the script reverts what was half-applied and, if that worked, cancels the lease.
///
/// Every script is bounded on the host (`timeout -k`, see `HostBound`), and the inject, the revert and the lease's
/// own revert of one fault are serialized on the host by `flock` on `<state dir>/<lease>.lock`: a revert that
/// arrives while the inject still runs waits for it, then removes what it applied.
public enum LeaseCommands {
    /// The argument vector that installs `lease` and then injects (or only injects, without a lease).
    ///
    /// - Parameter timeout: the controller's deadline for the command; the host bounds the script below it.
    public static func apply(_ commands: RemoteFaultCommands, lease: Lease?, timeout: TimeSpan = .seconds(30)) -> [String] {
        let bound = HostBound(commandTimeout: timeout)
        let requireTimeout = HostScript.require("timeout", hint: "gameday bounds its host scripts with timeout (coreutils)")
        guard let revert = commands.revert, let lease else {
            return ["sh", "-c", requireTimeout + "\nexec \(bound.prefix) sh -c \(ShellQuote.quote(commands.inject)) gameday-inject"]
        }
        let inner = [
            "d=$1",
            install(lease, revert: revert, bound: bound),
            "( \(commands.inject)\n)",
            "rc=$?",
            "if [ \"$rc\" -ne 0 ]; then",
            "if ( \(revert)\n) >/dev/null 2>&1; then",
            cancel(lease),
            "rm -f \(lockFile(lease))",
            "else",
            "echo 'gameday: undoing the failed inject failed too; its lease stays armed and reverts it at its deadline' >&2",
            "fi",
            "exit \"$rc\"",
            "fi",
        ].joined(separator: "\n")
        let outer = [
            HostScript.stateDirectory,
            requireTimeout,
            HostScript.require("flock", hint: "gameday serializes the inject and revert of a fault with flock (util-linux)"),
            "exec \(bound.prefix) flock -o -w \(bound.seconds) -E \(RemoteExitCode.busy) \(lockFile(lease)) sh -c \(ShellQuote.quote(inner)) gameday-apply \"$d\"",
        ].joined(separator: "\n")
        return ["sh", "-c", outer]
    }

    /// The argument vector that reverts and then cancels `lease`; nil when there is nothing to revert.
    ///
    /// The lease is cancelled only when the revert succeeded; otherwise the script says so and exits with the
    /// revert's status, and the lease still fires at its deadline. An unusable lease directory does not stop the
    /// revert (it runs unlocked and leaves the lease to fire harmlessly).
    public static func revert(_ commands: RemoteFaultCommands, lease: Lease?, timeout: TimeSpan = .seconds(30)) -> [String]? {
        guard let revert = commands.revert else { return nil }
        let bound = HostBound(commandTimeout: timeout)
        let haveTools = "command -v timeout >/dev/null 2>&1 && command -v flock >/dev/null 2>&1"
        guard let lease else {
            // A revert must run even where the bounding tool is missing.
            return ["sh", "-c", "set -- sh -c \(ShellQuote.quote(revert)) gameday-revert\n"
                + "if command -v timeout >/dev/null 2>&1; then set -- \(bound.prefix) \"$@\"; fi\nexec \"$@\""]
        }
        let inner = [
            "d=$1",
            "( \(revert)\n)",
            "rc=$?",
            "if [ \"$rc\" -ne 0 ]; then echo \"gameday: the revert failed (exit $rc); its lease stays armed and reverts the fault at its deadline\" >&2; exit \"$rc\"; fi",
            // Without a usable lease directory the revert still runs (above); the lease then fires later and reverts
            // again, which changes nothing.
            "if [ -z \"$d\" ]; then echo 'gameday: reverted, but the lease was left to fire (harmlessly) because the lease directory is unusable' >&2; exit 0; fi",
            cancel(lease),
            // Done with this fault: only idempotent reverts could still wait on the lock, so the file can go.
            "rm -f \(lockFile(lease))",
        ].joined(separator: "\n")
        let outer = [
            // A revert is never refused: with an unusable lease directory (the reason goes to stderr) it runs
            // without the lock and leaves the lease alone.
            "d=$(\(HostScript.stateDirectory)\necho \"$d\") || d=",
            "set -- sh -c \(ShellQuote.quote(inner)) gameday-revert \"$d\"",
            "if [ -n \"$d\" ] && \(haveTools); then set -- \(bound.prefix) flock -o -w \(bound.seconds) -E \(RemoteExitCode.busy) \(lockFile(lease)) \"$@\"; fi",
            "exec \"$@\"",
        ].joined(separator: "\n")
        return ["sh", "-c", outer]
    }

    /// `"$d"/<lease>.lock`: the per-fault lock in the private state directory.
    static func lockFile(_ lease: Lease) -> String { "\"$d\"/" + ShellQuote.quote("\(lease.name).lock") }

    /// What the timer or watchdog runs when the lease fires: the revert, under the fault's lock ($1) and bounded;
    /// if the lock stays busy (a hung holder), it reverts anyway: a lease must not give up.
    static func leaseRevert(_ revert: String, bound: HostBound) -> String {
        [
            "l=$1; r=\(ShellQuote.quote(revert))",
            "if command -v timeout >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then",
            "\(bound.prefix) flock -o -w \(bound.seconds) -E \(RemoteExitCode.busy) \"$l\" sh -c \"$r\"; rc=$?",
            "if [ \"$rc\" -ne \(RemoteExitCode.busy) ]; then [ \"$rc\" -ne 0 ] || rm -f \"$l\"; exit \"$rc\"; fi",
            "fi",
            "exec sh -c \"$r\"",
        ].joined(separator: "\n")
    }

    /// Installs the timer and prints one line describing it (journaled as the apply's detail).
    static func install(_ lease: Lease, revert: String, bound: HostBound) -> String {
        let body = leaseRevert(revert, bound: bound)
        switch lease.mode {
        case .systemd: return systemdInstall(lease, body: body)
        case .watchdog: return watchdogInstall(lease, body: body)
        case .automatic:
            return "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then\n"
                + systemdInstall(lease, body: body) + "\nelse\n" + watchdogInstall(lease, body: body) + "\nfi"
        }
    }

    private static func systemdInstall(_ lease: Lease, body: String) -> String {
        let argv = ["systemd-run", "--quiet", "--collect", "--unit=\(lease.name)", "--on-active=\(lease.seconds)s",
                    "--timer-property=AccuracySec=100ms", "--description=gameday lease \(lease.name)",
                    "sh", "-c", body, "gameday-lease-revert"]
        return ShellQuote.join(argv) + " \(lockFile(lease))"
            + " || { echo 'gameday: systemd-run could not install the lease timer' >&2; exit \(RemoteExitCode.leaseFailed); }\n"
            + "echo " + ShellQuote.quote("lease: systemd timer \(lease.name).timer reverts in \(lease.seconds)s")
    }

    /// A detached watchdog in its own session, so its pid is also its process group and a cancel ends it and its
    /// `sleep` together. Its command line carries the marker `gameday-lease` and its pid file's path, which is how a
    /// cancel recognises it (a stale or planted pid is never signalled). The pid file is written by the installer
    /// at once (`setsid` does not fork when started in the background of a non-interactive shell), which then waits
    /// (bounded) until the watchdog's command line shows the marker, so a cancel right after the install finds it.
    private static func watchdogInstall(_ lease: Lease, body: String) -> String {
        let watchdog = #"echo $$ > "$1"; sleep "$2"; sh -c "$3" gameday-lease-revert "$4"; rm -f "$1""#
        let pidFile = "\"$d\"/" + ShellQuote.quote("\(lease.name).lease")
        return [
            "pf=\(pidFile)",
            "command -v setsid >/dev/null 2>&1 || { echo 'gameday: setsid is missing (util-linux); cannot install the lease' >&2; exit \(RemoteExitCode.leaseFailed); }",
            "setsid sh -c \(ShellQuote.quote(watchdog)) gameday-lease \"$pf\" \(lease.seconds) \(ShellQuote.quote(body)) \(lockFile(lease)) </dev/null >/dev/null 2>&1 &",
            "lp=$!",
            "echo \"$lp\" > \"$pf\" || { kill -s KILL \"$lp\" 2>/dev/null; echo 'gameday: cannot record the lease watchdog pid' >&2; exit \(RemoteExitCode.leaseFailed); }",
            "if [ -r /proc/self/cmdline ]; then n=0; until \(HostScript.isLeaseWatchdog(pid: "$lp", pidFile: nil)) || [ \"$n\" -ge 200 ]; do n=$((n+1)); done; fi",
            "echo \"lease: watchdog pid $lp reverts in \(lease.seconds)s\"",
        ].joined(separator: "\n")
    }

    /// Stops the timer or watchdog if it is still pending; harmless when it already fired or never existed.
    /// The watchdog's pid is signalled only if it is a number above 1 whose process is this lease's watchdog.
    /// It gets SIGKILL, to its group and to its pid: a cancel that comes before it has called setsid() would miss
    /// the group, and a watchdog started with SIGTERM blocked (children inherit the signal mask) would ignore a
    /// polite signal. It holds nothing that needs a graceful exit.
    static func cancel(_ lease: Lease) -> String {
        let unit = ShellQuote.quote("\(lease.name).timer") + " " + ShellQuote.quote("\(lease.name).service")
        let systemd = "if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl stop -- \(unit) >/dev/null 2>&1 || true; fi"
        let pidFile = "\"$d\"/" + ShellQuote.quote("\(lease.name).lease")
        let watchdog = [
            "pf=\(pidFile)",
            "if [ -f \"$pf\" ] && [ ! -L \"$pf\" ]; then",
            "lp=; read -r lp < \"$pf\"",
            "case \"$lp\" in ''|*[!0-9]*) lp=0 ;; esac",
            "if [ \"$lp\" -gt 1 ] 2>/dev/null && \(HostScript.isLeaseWatchdog(pid: "$lp", pidFile: "$pf")); then kill -s KILL -- -\"$lp\" 2>/dev/null; kill -s KILL \"$lp\" 2>/dev/null; fi",
            "rm -f \"$pf\"",
            "fi",
        ].joined(separator: "\n")
        switch lease.mode {
        case .systemd: return systemd
        case .watchdog: return watchdog
        case .automatic: return systemd + "\n" + watchdog
        }
    }
}
