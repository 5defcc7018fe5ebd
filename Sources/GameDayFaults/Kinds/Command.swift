import GameDayCore
import GameDayYAML
import Yams

/// `command`: the user's own inject and revert programs (argument vectors, never a shell string), on the
/// controller or on each target.
public enum Command: FaultKind {
    public struct Options: FaultOptions {
        public var inject: [String]
        public var revert: [String]?
        public var timeout: TimeSpan

        public init(inject: [String], revert: [String]? = nil, timeout: TimeSpan = .seconds(30)) {
            self.inject = inject; self.revert = revert; self.timeout = timeout
        }
    }

    public static let id = "command"
    public static let planName = "command"
    public static let placement = Placement.controllerOrTargets
    public static let conflict = ConflictClass.none
    /// The programs it runs, where it runs them (timeout and flock, which bound and serialize them, are checked
    /// for every host a fault touches).
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        var programs: [String] = []
        for program in [options.inject.first, options.revert?.first].compactMap({ $0 }) where !programs.contains(program) { programs.append(program) }
        return programs.map { program in
            HostRequirement(.tool(anyOf: [HostRequirement.Tool(program)]), neededBy: planName,
                            fix: "install \(program) on the target or fix the step's command")
        }
    }
    public static let keys = [
        OptionKey("inject", .argv, required: true, "`[program, arg, ...]`; a non-zero exit fails the step (and the run reverts and stops)"),
        OptionKey("revert", .argv, "`[program, arg, ...]`; journaled before the inject runs"),
        OptionKey("timeout", .duration, default: "30s", "per command"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Run your own inject and revert commands: argument lists, executed directly (never through a shell). Without `targets` they run on the controller; with targets, on each target (locally or over SSH).",
        example: "{ inject: [touch, /tmp/gameday-flag], revert: [rm, -f, /tmp/gameday-flag] }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let f = with, let injectNode = reader.require(f, "inject", "command fault of step '\(context.step)'") else {
            if with == nil { reader.error(context.stepNode, "command fault of step '\(context.step)' needs 'with: { inject: [program, args...] }'") }
            return nil
        }
        guard let inject = argv(injectNode, "inject", reader) else { return nil }
        var options = Options(inject: inject)
        if let revertNode = f["revert"] { options.revert = argv(revertNode, "revert", reader) }
        if let t = reader.duration(f["timeout"], "timeout") { options.timeout = t }
        return options
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .command(CommandAction(inject: options.inject, revert: options.revert, timeout: options.timeout))
    }

    private static func argv(_ node: Node, _ what: String, _ r: NodeReader) -> [String]? {
        guard case .sequence = node else {
            r.error(node, "\(what) must be a list: the program and its arguments (it is not run through a shell), found \(NodeReader.typeName(node))")
            return nil
        }
        guard let list = r.stringList(node, what), !list.isEmpty, !list[0].isEmpty else {
            r.error(node, "\(what) must name a program")
            return nil
        }
        return list
    }
}

public typealias CommandFault = Command.Options

extension Fault {
    public static func command(_ options: Command.Options) -> Fault { Command.fault(options) }
}
