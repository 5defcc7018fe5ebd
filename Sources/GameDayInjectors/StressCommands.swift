import GameDayCore

/// Builds the host-side scripts of CPU and memory stress with stress-ng.
///
/// stress-ng runs detached in its own session with `--timeout` at the lease's deadline, which bounds it even if
/// the lease mechanism itself failed; the revert ends its whole process group, but only after checking that the
/// recorded pid still is this fault's stress-ng (its environment carries `GAMEDAY_STRESS=<name>`).
public enum StressCommands {
    public static func commands(for fault: StressFault, name: String, seconds: Int64) throws -> RemoteFaultCommands {
        var args = ["stress-ng"]
        var parts: [String] = []
        if let cpu = fault.cpuWorkers {
            guard (0...1024).contains(cpu) else { throw CommandExecutorError("stress cpu: \(cpu) must be 0 (all CPUs) to 1024 workers") }
            args += ["--cpu", String(cpu)]
            parts.append("\(cpu == 0 ? "all" : String(cpu)) CPU worker(s)")
            if let load = fault.cpuLoadPercent {
                guard (1...100).contains(load) else { throw CommandExecutorError("stress load: \(load)% must be 1% to 100%") }
                args += ["--cpu-load", String(load)]
                parts[parts.count - 1] += " at \(load)%"
            }
        } else if fault.cpuLoadPercent != nil {
            throw CommandExecutorError("stress load: needs cpu: (the number of CPU workers)")
        }
        if let memory = fault.memoryBytes {
            guard isSize(memory) else { throw CommandExecutorError("stress memory: \(memory) is not a size (e.g. 256M, 1G, 50%)") }
            args += ["--vm", String(max(1, fault.memoryWorkers ?? 1)), "--vm-bytes", memory]
            parts.append("\(memory) memory")
        }
        guard args.count > 1 else { throw CommandExecutorError("stress needs cpu: and/or memory:") }
        args += ["--timeout", "\(max(1, seconds))s"]
        let pidFile = "\"$d\"/" + ShellQuote.quote("\(name).stress")
        let marker = "GAMEDAY_STRESS=\(RemoteFaultNames.sanitize(name, limit: 200, separator: "-"))"
        let inject = [
            HostScript.require("stress-ng", hint: "install it (apt-get install stress-ng / dnf install stress-ng)"),
            HostScript.stateDirectory,
            // The marker in its environment is how the revert recognises it (a stale pid is never signalled).
            "\(marker) setsid \(ShellQuote.join(args)) </dev/null >/dev/null 2>&1 &",
            "echo $! > \(pidFile)",
            "echo \"stress-ng pid $! (\(parts.joined(separator: ", ")))\"",
        ].joined(separator: "\n")
        let revert = [
            HostScript.stateDirectory,
            "pf=\(pidFile)",
            "if [ -f \"$pf\" ] && [ ! -L \"$pf\" ]; then",
            "sp=; read -r sp < \"$pf\"",
            "case \"$sp\" in ''|*[!0-9]*) sp=0 ;; esac",
            "if [ \"$sp\" -gt 1 ] 2>/dev/null && tr '\\0' '\\n' < /proc/\"$sp\"/environ 2>/dev/null | grep -qxF -- \(ShellQuote.quote(marker)); then kill -s TERM -- -\"$sp\" 2>/dev/null; fi",
            "rm -f \"$pf\"",
            "fi",
            "true",
        ].joined(separator: "\n")
        return RemoteFaultCommands(summary: "stress: " + parts.joined(separator: ", "), inject: inject, revert: revert)
    }

    static func isSize(_ text: String) -> Bool {
        let digits = text.prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12 else { return false }
        let unit = text.dropFirst(digits.count)
        return ["", "b", "k", "m", "g", "t", "%", "kb", "mb", "gb"].contains(unit.lowercased())
    }
}
