import GameDayCore
import GameDayYAML
import Yams

/// `bandwidth` without `proxy:`: cap the rate of traffic leaving the targets (tc tbf). With `proxy:` it is
/// ProxyBandwidth.
public enum HostBandwidth: FaultKind {
    public struct Options: FaultOptions {
        public var rateKbit: Int
        public var interface: String?
        public var direction: Direction

        public init(rateKbit: Int, interface: String? = nil, direction: Direction = .both) {
            self.rateKbit = rateKbit; self.interface = interface; self.direction = direction
        }
    }

    public static let id = "host.bandwidth"
    public static let planName = "bandwidth"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        HostRequirements.trafficControl("tbf", neededBy: planName)
    }
    public static let keys = [
        OptionKey("rate", .rate("kbit"), required: true, "`512kbit`, `10mbit`, `1gbit`"),
        OptionKey("interface", .string, "default: the default route's interface"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Cap the rate of traffic leaving the targets with a tc tbf root qdisc (gameday's handle), removed by the revert or the lease.",
        example: "{ rate: 1mbit }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let node = with.flatMap({ reader.require($0, "rate", "bandwidth fault of step '\(context.step)'") }) else {
            if with == nil { reader.error(context.stepNode, "bandwidth fault of step '\(context.step)' needs 'with: { rate: 1mbit }'") }
            return nil
        }
        guard let rate = kilobits(node, reader) else { return nil }
        return Options(rateKbit: rate, interface: reader.string(with?["interface"], "interface"))
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(options))
    }

    public static func commands(_ options: Options) throws -> RemoteFaultCommands {
        let rate = options.rateKbit
        guard rate > 0 else { throw NetworkFaultError("bandwidth needs `rate:` (e.g. 1mbit, 512kbit)") }
        // Burst: 20 ms of traffic at the rate, at least a few full-size frames.
        let burst = max(4500, rate * 1000 / 8 / 50)
        return try NetworkFaultCommands.trafficControl(qdisc: ["tbf", "rate", "\(rate)kbit", "burst", String(burst), "latency", "200ms"],
                                                       summary: "bandwidth: \(rate) kbit/s egress", interface: options.interface,
                                                       direction: options.direction, kind: planName)
    }

    private static func kilobits(_ node: Node, _ r: NodeReader) -> Int? {
        guard let text = r.string(node, "rate") else { return nil }
        let t = text.lowercased()
        let units: [(String, Double)] = [("gbit", 1_000_000), ("mbit", 1000), ("kbit", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)), v > 0, v.isFinite { return Int(v * factor) }
        }
        r.error(node, "rate must be like 512kbit, 10mbit or 1gbit, found '\(text)'")
        return nil
    }
}
