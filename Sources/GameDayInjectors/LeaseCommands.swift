import GameDayCore

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

/// Builds the scripts that install a fault together with its lease, and revert it while cancelling the lease.
///
/// Order matters: the lease is installed before the fault, so a controller that dies (or is cut off) right after
/// the inject still leaves a host that heals itself. When the inject fails, the script cancels the lease and runs
/// the revert at once, so a half-applied fault does not linger either.
public enum LeaseCommands {
    /// The argument vector that installs `lease` and then injects (or only injects, without a lease).
    public static func apply(_ commands: RemoteFaultCommands, lease: Lease?) -> [String] {
        guard let revert = commands.revert, let lease else { return ["sh", "-c", commands.inject] }
        let script = [
            HostScript.stateDirectory,
            install(lease, revert: revert),
            "( \(commands.inject)\n)",
            "rc=$?",
            "if [ \"$rc\" -ne 0 ]; then",
            cancel(lease),
            "( \(revert)\n) >/dev/null 2>&1",
            "exit \"$rc\"",
            "fi",
        ].joined(separator: "\n")
        return ["sh", "-c", script]
    }

    /// The argument vector that cancels `lease` and reverts; nil when there is nothing to revert.
    public static func revert(_ commands: RemoteFaultCommands, lease: Lease?) -> [String]? {
        guard let revert = commands.revert else { return nil }
        guard let lease else { return ["sh", "-c", revert] }
        let script = [HostScript.stateDirectory, cancel(lease), "( \(revert)\n)"].joined(separator: "\n")
        return ["sh", "-c", script]
    }

    /// Installs the timer and prints one line describing it (journaled as the apply's detail).
    static func install(_ lease: Lease, revert: String) -> String {
        switch lease.mode {
        case .systemd: return systemdInstall(lease, revert: revert)
        case .watchdog: return watchdogInstall(lease, revert: revert)
        case .automatic:
            return "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then\n"
                + systemdInstall(lease, revert: revert) + "\nelse\n" + watchdogInstall(lease, revert: revert) + "\nfi"
        }
    }

    private static func systemdInstall(_ lease: Lease, revert: String) -> String {
        let argv = ["systemd-run", "--quiet", "--collect", "--unit=\(lease.name)", "--on-active=\(lease.seconds)s",
                    "--timer-property=AccuracySec=100ms", "--description=gameday lease \(lease.name)",
                    "sh", "-c", revert]
        return ShellQuote.join(argv) + " || { echo 'gameday: systemd-run could not install the lease timer' >&2; exit \(RemoteExitCode.leaseFailed); }\n"
            + "echo " + ShellQuote.quote("lease: systemd timer \(lease.name).timer reverts in \(lease.seconds)s")
    }

    /// A detached watchdog in its own session, so its pid is also its process group and a cancel ends it and its
    /// `sleep` together. The pid file is written by the installer at once (no polling: `setsid` does not fork when
    /// started in the background of a non-interactive shell) and again by the watchdog itself, which also removes it
    /// after reverting.
    private static func watchdogInstall(_ lease: Lease, revert: String) -> String {
        let body = #"echo $$ > "$1"; sleep "$2"; sh -c "$3"; rm -f "$1""#
        let pidFile = "\"$d\"/" + ShellQuote.quote("\(lease.name).lease")
        return [
            "pf=\(pidFile)",
            "command -v setsid >/dev/null 2>&1 || { echo 'gameday: setsid is missing (util-linux); cannot install the lease' >&2; exit \(RemoteExitCode.leaseFailed); }",
            "setsid sh -c \(ShellQuote.quote(body)) gameday-lease \"$pf\" \(lease.seconds) \(ShellQuote.quote(revert)) </dev/null >/dev/null 2>&1 &",
            "echo $! > \"$pf\" || { kill -s KILL $! 2>/dev/null; echo 'gameday: cannot record the lease watchdog pid' >&2; exit \(RemoteExitCode.leaseFailed); }",
            "echo \"lease: watchdog pid $! reverts in \(lease.seconds)s\"",
        ].joined(separator: "\n")
    }

    /// Stops the timer or watchdog if it is still pending; harmless when it already fired or never existed.
    /// The watchdog gets SIGKILL, to its group and to its pid: a cancel that comes before it has called setsid()
    /// would miss the group, and a watchdog started with SIGTERM blocked (children inherit the signal mask) would
    /// ignore a polite signal. It holds nothing that needs a graceful exit.
    static func cancel(_ lease: Lease) -> String {
        let unit = ShellQuote.quote("\(lease.name).timer") + " " + ShellQuote.quote("\(lease.name).service")
        let systemd = "if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl stop \(unit) >/dev/null 2>&1; fi"
        let pidFile = "\"$d\"/" + ShellQuote.quote("\(lease.name).lease")
        let watchdog = "pf=\(pidFile); if [ -s \"$pf\" ] && read -r lp < \"$pf\" && [ -n \"$lp\" ]; then kill -s KILL -- -\"$lp\" 2>/dev/null; kill -s KILL \"$lp\" 2>/dev/null; rm -f \"$pf\"; fi"
        switch lease.mode {
        case .systemd: return systemd
        case .watchdog: return watchdog
        case .automatic: return systemd + "\n" + watchdog
        }
    }
}
