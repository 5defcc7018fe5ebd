import GameDayCore

/// Builds the host-side scripts of node loss: signal the service found by pid file, pattern or systemd unit.
///
/// Reverts: `STOP` is undone with `CONT`; a killed systemd unit is started again; a process killed by pid file or
/// pattern is left to its supervisor (its recovery is what the game day measures), so there is nothing to revert.
public enum RemoteNodeLossCommands {
    public static func commands(selector: ProcessSelector?, signal: NodeLoss.Signal, target: String) throws -> RemoteFaultCommands {
        guard let selector, selector.pidFile != nil || selector.pattern != nil || selector.systemdUnit != nil else {
            throw FaultKindError("target \(target) has no `process:` (pidFile, pattern or systemdUnit), so node-loss "
                + "does not know which service to stop; add one to the target in the inventory")
        }
        let name = signal.rawValue
        let supervised = "the service's supervisor is expected to restart it after SIG\(name); its recovery is measured, not forced"
        if let unit = selector.systemdUnit {
            guard isUnitName(unit) else {
                throw FaultKindError("systemdUnit \(unit) is not a valid unit name (e.g. web.service)")
            }
            let require = HostScript.require("systemctl", hint: "systemdUnit needs systemd; use pidFile or pattern")
            let inject = require + "\n" + ShellQuote.join(["systemctl", "kill", "--signal=\(name)", "--", unit])
                + " && echo " + ShellQuote.quote("SIG\(name) sent to \(unit)")
            let revert = signal == .STOP
                ? ShellQuote.join(["systemctl", "kill", "--signal=CONT", "--", unit]) + " 2>/dev/null; true"
                : ShellQuote.join(["systemctl", "start", "--", unit])
            return RemoteFaultCommands(summary: "node-loss: SIG\(name) to unit \(unit)", inject: inject, revert: revert)
        }
        if let pidFile = selector.pidFile {
            let read = "pf=\(ShellQuote.quote(pidFile)); pid=$(head -n 1 \"$pf\" 2>/dev/null | tr -cd '0-9')"
            let inject = [
                read,
                "[ -n \"$pid\" ] || { echo \"gameday: no pid in $pf\" >&2; exit \(RemoteExitCode.noProcess); }",
                "kill -s \(name) \"$pid\" && echo \"SIG\(name) sent to pid $pid\"",
            ].joined(separator: "\n")
            let revert = signal == .STOP ? read + "\nif [ -n \"$pid\" ]; then kill -s CONT \"$pid\" 2>/dev/null; fi; true" : nil
            return RemoteFaultCommands(summary: "node-loss: SIG\(name) to the pid in \(pidFile)", inject: inject,
                                       revert: revert, nothingToRevertReason: revert == nil ? supervised : nil)
        }
        let pattern = selector.pattern ?? ""
        guard !pattern.isEmpty else { throw FaultKindError("target \(target) has an empty process pattern") }
        // The pattern travels as octal escapes: verbatim, it would be on this script's own command line (and a
        // lease watchdog's), and `pgrep -f` would match those. Ancestors (the login shell, sh) are skipped too.
        let decode = "pat=$(printf '%b' '\(HostScript.octal(pattern))')"
        let inject = [
            HostScript.require("pgrep", hint: "install procps"),
            decode,
            "anc=\" $$ \"; p=$$; n=0",
            "while [ \"$p\" -gt 1 ] && [ \"$n\" -lt 64 ]; do p=$(sed 's/.*) //' /proc/\"$p\"/stat 2>/dev/null | cut -d' ' -f2); [ -n \"$p\" ] || break; anc=\"$anc$p \"; n=$((n+1)); done",
            "pids=''; for pid in $(pgrep -f -- \"$pat\"); do case \"$anc\" in *\" $pid \"*) ;; *) pids=\"$pids $pid\";; esac; done",
            "[ -n \"$pids\" ] || { echo 'gameday: no process matches the pattern' >&2; exit \(RemoteExitCode.noProcess); }",
            "kill -s \(name) $pids && echo \"SIG\(name) sent to pids$pids\"",
        ].joined(separator: "\n")
        let revert = signal == .STOP ? decode + "\npkill -CONT -f -- \"$pat\" 2>/dev/null; true" : nil
        return RemoteFaultCommands(summary: "node-loss: SIG\(name) to processes matching \(pattern)", inject: inject,
                                   revert: revert, nothingToRevertReason: revert == nil ? supervised : nil)
    }

    public static func isUnitName(_ unit: String) -> Bool {
        !unit.isEmpty && !unit.hasPrefix("-") && unit.count <= 256
            && unit.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ":-_.@\\".contains($0)) }
    }
}
