import GameDayCore
import GameDayYAML
import Yams

/// `zone-loss`: every host with `tag == value` is lost: cut off from the network (`isolate`, all but loopback and
/// SSH) or its service stopped (`node-loss`).
public enum ZoneLoss: FaultKind {
    public struct Options: FaultOptions {
        public enum Mode: String, Sendable, Codable, CaseIterable { case nodeLoss = "node-loss", isolate }
        public var tag: String
        public var value: String
        public var mode: Mode
        public var signal: NodeLoss.Signal

        public init(tag: String = "zone", value: String, mode: Mode = .isolate, signal: NodeLoss.Signal = .KILL) {
            self.tag = tag; self.value = value; self.mode = mode; self.signal = signal
        }
    }

    public static let id = "zone-loss"
    public static let planName = "zone-loss"
    public static let placement = Placement.taggedHosts
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        options.mode == .isolate ? [HostRequirements.firewall(neededBy: planName)] : HostRequirements.signals(target, neededBy: planName)
    }
    public static let keys = [
        OptionKey("tag", .string, default: "zone", "the inventory tag that names the zone"),
        OptionKey("value", .string, required: true, "the zone to lose: every target with this tag value"),
        OptionKey("mode", .oneOf(["isolate", "node-loss"]), default: "isolate",
                  "`isolate`: drop all traffic but loopback and SSH; `node-loss`: signal each host's service"),
        OptionKey("signal", .oneOf(["KILL", "TERM", "STOP"]), default: "KILL", "for `mode: node-loss`"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Lose a whole zone: every target whose `tag` has `value` is isolated (all traffic except loopback and SSH dropped, with a lease) or has its service signalled. `targets` may narrow the zone.",
        example: "{ tag: zone, value: b, mode: isolate }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let f = with, let valueNode = reader.require(f, "value", "zone-loss fault of step '\(context.step)'"),
              let value = reader.string(valueNode, "value") else {
            if with == nil { reader.error(context.stepNode, "zone-loss fault of step '\(context.step)' needs 'with: { tag: zone, value: b }'") }
            return nil
        }
        var options = Options(value: value)
        if let tag = reader.string(f["tag"], "tag") { options.tag = tag }
        if let node = f["mode"], let text = reader.string(node, "mode") {
            if let mode = Options.Mode(rawValue: text) { options.mode = mode }
            else { reader.error(node, "mode must be isolate or node-loss, found '\(text)'") }
        }
        if let signal = NodeLoss.Signal.read(f["signal"], reader) { options.signal = signal }
        if !context.targets.contains(where: { $0.tags[options.tag] == options.value }) {
            reader.error(valueNode, "no target has tag \(options.tag)=\(options.value)")
        }
        return options
    }

    public static func resolve(_ options: Options, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault {
        var targets = context.inventory.filter { $0.tags[options.tag] == options.value }
        if let selector = context.selector { targets = targets.filter(selector.matches) }
        return ResolvedFault(fault: fault(options), targets: targets)
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        let target = try context.requireTarget(planName)
        guard target.tags[options.tag] == options.value else {
            throw FaultKindError("zone-loss of \(options.tag)=\(options.value) selected \(target.name), whose \(options.tag) is "
                + "\(target.tags[options.tag] ?? "unset"); zone-loss only acts on hosts with that tag value")
        }
        switch options.mode {
        case .isolate:
            return .host(try Partition.commands(Partition.Options(), table: context.table, backend: context.firewall,
                                                isolateExceptSSHPort: context.sshPort))
        case .nodeLoss:
            return .host(try RemoteNodeLossCommands.commands(selector: target.process, signal: options.signal, target: target.name))
        }
    }
}

public typealias ZoneLossFault = ZoneLoss.Options

extension Fault {
    public static func zoneLoss(_ options: ZoneLoss.Options) -> Fault { ZoneLoss.fault(options) }
}
