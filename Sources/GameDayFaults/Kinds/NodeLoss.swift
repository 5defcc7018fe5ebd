import GameDayCore
import GameDayYAML
import Yams

/// `node-loss`: kill or stop the target's service process (locally by signal, over SSH by a host script).
public enum NodeLoss: FaultKind {
    public enum Signal: String, Sendable, Codable, CaseIterable {
        case KILL, TERM, STOP

        public var number: Int32 {
            switch self {
            case .KILL: return 9
            case .TERM: return 15
            case .STOP: return 19
            }
        }

        /// Reads `KILL`, `sigterm`, `SIGSTOP`; reports anything else on `reader`.
        static func read(_ node: Node?, _ reader: NodeReader) -> Signal? {
            guard let node, let text = reader.string(node, "signal") else { return nil }
            guard let signal = Signal(rawValue: text.uppercased().replacingOccurrences(of: "SIG", with: "")) else {
                reader.error(node, "signal must be KILL, TERM or STOP, found '\(text)'")
                return nil
            }
            return signal
        }
    }

    public struct Options: FaultOptions {
        public var signal: Signal
        public init(signal: Signal = .KILL) { self.signal = signal }
    }

    public static let id = "node-loss"
    public static let planName = "node-loss"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.takesHostDown
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        HostRequirements.signals(target, neededBy: planName)
    }
    public static let keys = [
        OptionKey("signal", .oneOf(["KILL", "TERM", "STOP"]), default: "KILL",
                  "`KILL` or `TERM`: recovery is left to the service's supervisor, and the postmortem measures it. `STOP`: frozen until the revert sends `CONT`"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Kill or stop the target's service (its `process`). Locally, signals go straight to the process(es), and a revert only signals the very same process (pid and start time). With `systemdUnit`, `systemctl kill --signal=...` is used.",
        example: "{ signal: STOP }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        var options = Options()
        if let node = with?["signal"] {
            guard let signal = Signal.read(node, reader) else { return nil }
            options.signal = signal
        }
        return options
    }

    public static func validate(_ options: Options, _ step: StepContext, _ reader: NodeReader) {
        if let target = step.reachable.first(where: { $0.process == nil }) {
            reader.error(step.fields["targets"], "step '\(step.step)' may hit target '\(target.name)', which has no 'process' (pidFile, pattern or systemdUnit) for node-loss")
        }
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        let target = try context.requireTarget(planName)
        if case .local = target.access {
            guard let process = target.process else {
                throw FaultKindError("target \(target.name) has no 'process' (pidFile, pattern or systemdUnit)")
            }
            return .signal(SignalAction(process: process, signal: options.signal.rawValue, number: options.signal.number,
                                        revertSignal: options.signal == .STOP ? "CONT" : nil))
        }
        return .host(try RemoteNodeLossCommands.commands(selector: target.process, signal: options.signal, target: target.name))
    }
}

public typealias NodeLossFault = NodeLoss.Options

extension Fault {
    public static func nodeLoss(_ options: NodeLoss.Options) -> Fault { NodeLoss.fault(options) }
}
