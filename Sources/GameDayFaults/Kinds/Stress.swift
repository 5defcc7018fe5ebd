import GameDayCore
import GameDayYAML
import Yams

/// `stress`: CPU and/or memory pressure on a host with stress-ng.
///
/// stress-ng runs detached in its own session with `--timeout` at the lease's deadline, which bounds it even if
/// the lease mechanism itself failed; the revert ends its whole process group, but only after checking that the
/// recorded pid still is this fault's stress-ng (its environment carries `GAMEDAY_STRESS=<name>`).
public enum Stress: FaultKind {
    public struct Options: FaultOptions {
        public var cpuWorkers: Int?
        public var cpuLoadPercent: Int?
        public var memoryWorkers: Int?
        public var memoryBytes: String?

        public init(cpuWorkers: Int? = nil, cpuLoadPercent: Int? = nil, memoryWorkers: Int? = nil, memoryBytes: String? = nil) {
            self.cpuWorkers = cpuWorkers; self.cpuLoadPercent = cpuLoadPercent; self.memoryWorkers = memoryWorkers
            self.memoryBytes = memoryBytes
        }
    }

    public static let id = "stress"
    public static let planName = "stress"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        [HostRequirements.program("stress-ng", package: "stress-ng", neededBy: planName)]
    }
    public static let keys = [
        OptionKey("cpu", .integer(1...1024), "CPU workers"),
        OptionKey("load", .percent, "load per CPU worker (e.g. `80%`)"),
        OptionKey("memory", .size, "memory to hold (`256M`, `1G`, or a share such as `50%`)"),
        OptionKey("memoryWorkers", .integer(1...64), default: "1", "workers sharing `memory`"),
    ]
    public static let documentation = KindDocumentation(
        summary: "CPU and/or memory pressure with stress-ng, bounded by its own `--timeout` at the lease's deadline; the revert stops exactly that stress-ng. Needs `cpu` and/or `memory`.",
        example: "{ cpu: 2, load: 80%, memory: 256M }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        var options = Options()
        options.cpuWorkers = reader.int(with?["cpu"], "cpu", range: 1...1024)
        if let load = reader.percent(with?["load"], "load") { options.cpuLoadPercent = Int(load) }
        if let memory = reader.string(with?["memory"], "memory") {
            if !isSize(memory) {
                reader.error(with?["memory"], "memory must be a size such as 256M or 1G, found '\(memory)'")
            }
            options.memoryBytes = memory
            options.memoryWorkers = reader.int(with?["memoryWorkers"], "memoryWorkers", range: 1...64) ?? 1
        }
        if options.cpuWorkers == nil && options.memoryBytes == nil {
            reader.error(with?.node ?? context.stepNode, "stress fault of step '\(context.step)' needs cpu and/or memory")
        }
        return options
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(for: options, name: context.leaseName, seconds: context.leaseSeconds))
    }

    /// The host scripts: stress-ng bounded by `seconds`, its pid kept under `name` in the state directory.
    public static func commands(for fault: Options, name: String, seconds: Int64) throws -> RemoteFaultCommands {
        var args = ["stress-ng"]
        var parts: [String] = []
        if let cpu = fault.cpuWorkers {
            guard (0...1024).contains(cpu) else { throw FaultKindError("stress cpu: \(cpu) must be 0 (all CPUs) to 1024 workers") }
            args += ["--cpu", String(cpu)]
            parts.append("\(cpu == 0 ? "all" : String(cpu)) CPU worker(s)")
            if let load = fault.cpuLoadPercent {
                guard (1...100).contains(load) else { throw FaultKindError("stress load: \(load)% must be 1% to 100%") }
                args += ["--cpu-load", String(load)]
                parts[parts.count - 1] += " at \(load)%"
            }
        } else if fault.cpuLoadPercent != nil {
            throw FaultKindError("stress load: needs cpu: (the number of CPU workers)")
        }
        if let memory = fault.memoryBytes {
            guard isSize(memory) else { throw FaultKindError("stress memory: \(memory) is not a size (e.g. 256M, 1G, 50%)") }
            args += ["--vm", String(max(1, fault.memoryWorkers ?? 1)), "--vm-bytes", memory]
            parts.append("\(memory) memory")
        }
        guard args.count > 1 else { throw FaultKindError("stress needs cpu: and/or memory:") }
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

    /// `256M`, `1G`, `2T`, `50%`, a plain byte count: what stress-ng's `--vm-bytes` takes.
    static func isSize(_ text: String) -> Bool {
        let digits = text.prefix { $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12 else { return false }
        let unit = text.dropFirst(digits.count)
        return ["", "b", "k", "m", "g", "t", "%", "kb", "mb", "gb"].contains(unit.lowercased())
    }
}

public typealias StressFault = Stress.Options

extension Fault {
    public static func stress(_ options: Stress.Options) -> Fault { Stress.fault(options) }
}
