import GameDayCore
import GameDayYAML
import Yams

/// `packet-loss`: drop a share of the targets' packets (nftables `numgen` or iptables `statistic`).
public enum PacketLoss: FaultKind {
    public struct Options: FaultOptions {
        public var percent: Double
        public var direction: Direction
        /// Only this protocol (no plan key: for tests and callers that build faults directly).
        public var protocolName: String?

        public init(percent: Double, direction: Direction = .both, protocolName: String? = nil) {
            self.percent = percent; self.direction = direction; self.protocolName = protocolName
        }
    }

    public static let id = "packet-loss"
    public static let planName = "packet-loss"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        [HostRequirements.firewall(neededBy: planName)]
    }
    public static let keys = [
        OptionKey("percent", .percent, required: true, "share of packets dropped (`30%`)"),
        Direction.key,
    ]
    public static let documentation = KindDocumentation(
        summary: "Drop a share of the targets' packets, with nftables or iptables, removed by the revert or the lease.",
        example: "{ percent: 30%, direction: inbound }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        let direction = Direction.read(with?["direction"], reader) ?? .both
        guard let node = with.flatMap({ reader.require($0, "percent", "packet-loss fault of step '\(context.step)'") }) else {
            if with == nil { reader.error(context.stepNode, "packet-loss fault of step '\(context.step)' needs 'with: { percent: 30% }'") }
            return nil
        }
        guard let p = reader.percent(node, "percent") else { return nil }
        if p == 0 { reader.error(node, "percent must be greater than 0%") }
        return Options(percent: p, direction: direction)
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(options, table: context.table, backend: context.firewall))
    }

    public static func rules(_ options: Options) throws -> [NetworkRule] {
        let rules = try NetworkFaultCommands.peerRules(direction: options.direction, verdict: .drop, cidrs: [], port: nil,
                                                       protocolName: options.protocolName, basisPoints: 0)
        guard options.percent > 0, options.percent <= 100 else {
            throw NetworkFaultError("packet-loss needs `percent:` between 0% and 100% (e.g. 30%)")
        }
        let basisPoints = Int((options.percent * 100).rounded())
        return rules.map { var rule = $0; rule.basisPoints = basisPoints; return rule }
    }

    public static func commands(_ options: Options, table: String, backend: FirewallBackend = .automatic) throws -> RemoteFaultCommands {
        NetworkFaultCommands.firewall(rules: try rules(options), table: table, backend: backend,
                                      summary: "packet-loss: \(Percent.format(options.percent)) \(options.direction.rawValue)")
    }
}
