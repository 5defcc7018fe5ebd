import GameDayCore
import GameDayYAML
import Yams

/// `latency` without `proxy:`: delay every packet leaving the targets (tc netem). With `proxy:` it is ProxyLatency.
public enum HostLatency: FaultKind {
    public struct Options: FaultOptions {
        public var delay: TimeSpan
        public var jitter: TimeSpan?
        public var interface: String?
        public var direction: Direction

        public init(delay: TimeSpan, jitter: TimeSpan? = nil, interface: String? = nil, direction: Direction = .both) {
            self.delay = delay; self.jitter = jitter; self.interface = interface; self.direction = direction
        }
    }

    public static let id = "host.latency"
    public static let planName = "latency"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        HostRequirements.trafficControl("netem", neededBy: planName)
    }
    public static let keys = [
        OptionKey("delay", .duration, required: true, "added to each packet leaving the host (`latency:` is accepted too)"),
        OptionKey("latency", .duration, aliasOf: "delay", "the same as `delay`"),
        OptionKey("jitter", .duration, "random variation"),
        OptionKey("interface", .string, "default: the default route's interface"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Delay traffic leaving the targets with a tc netem root qdisc (gameday's handle), removed by the revert or the lease. A kernel without netem fails with advice to use the proxy instead.",
        example: "{ delay: 100ms, jitter: 10ms }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        guard let node = with.flatMap({ $0["delay"] ?? $0["latency"] }) else {
            reader.error(with?.node ?? context.stepNode, "latency fault of step '\(context.step)' needs 'with: { delay: 100ms }'")
            return nil
        }
        guard let delay = reader.duration(node, "delay") else { return nil }
        return Options(delay: delay, jitter: reader.duration(with?["jitter"], "jitter", allowZero: true),
                       interface: reader.string(with?["interface"], "interface"))
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(options))
    }

    public static func commands(_ options: Options) throws -> RemoteFaultCommands {
        guard options.delay.milliseconds > 0 else { throw NetworkFaultError("latency needs `delay:` (e.g. 100ms)") }
        var qdisc = ["netem", "delay", "\(options.delay.milliseconds)ms"]
        if let jitter = options.jitter, jitter.milliseconds > 0 { qdisc.append("\(jitter.milliseconds)ms") }
        let summary = "latency: \(options.delay) egress" + (options.jitter.map { " ± \($0)" } ?? "")
        return try NetworkFaultCommands.trafficControl(qdisc: qdisc, summary: summary, interface: options.interface,
                                                       direction: options.direction, kind: planName)
    }
}
