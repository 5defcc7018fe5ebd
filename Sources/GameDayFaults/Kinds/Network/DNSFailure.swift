import GameDayCore
import GameDayYAML

/// `dns-failure`: drop DNS traffic (port 53) on the targets.
public enum DNSFailure: FaultKind {
    public struct Options: FaultOptions {
        public var direction: Direction
        public init(direction: Direction = .both) { self.direction = direction }
    }

    public static let id = "dns-failure"
    public static let planName = "dns-failure"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        [HostRequirements.firewall(neededBy: planName)]
    }
    public static let keys = [Direction.key]
    public static let documentation = KindDocumentation(
        summary: "Drop DNS: outbound queries to port 53 and inbound answers from port 53, with nftables or iptables.",
        example: "{ direction: outbound }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        Options(direction: Direction.read(with?["direction"], reader) ?? .both)
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(options, table: context.table, backend: context.firewall))
    }

    public static func rules(_ options: Options) -> [NetworkRule] {
        // Outbound queries to port 53, and inbound answers from port 53.
        options.direction.hooks.map { hook in
            hook == .output
                ? NetworkRule(hook: hook, destinationPort: 53, verdict: .drop)
                : NetworkRule(hook: hook, sourcePort: 53, verdict: .drop)
        }
    }

    public static func commands(_ options: Options, table: String, backend: FirewallBackend = .automatic) throws -> RemoteFaultCommands {
        NetworkFaultCommands.firewall(rules: rules(options), table: table, backend: backend,
                                      summary: "dns-failure: drop \(options.direction.rawValue) DNS (port 53)")
    }
}
