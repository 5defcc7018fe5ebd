import GameDayCore
import GameDayYAML
import Yams

/// `partition`: drop (or reject) traffic between the targets and their peers (other targets by selector, or
/// CIDRs), optionally one port, with nftables or iptables.
public enum Partition: FaultKind {
    public struct Options: FaultOptions {
        public enum Action: String, Sendable, Codable, CaseIterable { case drop, reject }
        /// The other side, by selector (turned into `cidrs` by the schedule).
        public var peers: Selector?
        /// Peer addresses or CIDRs (given, or resolved from `peers`).
        public var cidrs: [String]
        public var port: Int?
        public var protocolName: String?
        public var direction: Direction
        public var action: Action

        public init(peers: Selector? = nil, cidrs: [String] = [], port: Int? = nil, protocolName: String? = nil,
                    direction: Direction = .both, action: Action = .drop) {
            self.peers = peers; self.cidrs = cidrs; self.port = port; self.protocolName = protocolName
            self.direction = direction; self.action = action
        }
    }

    public static let id = "partition"
    public static let planName = "partition"
    public static let placement = Placement.targets
    public static let conflict = ConflictClass.exclusiveOnHost
    public static func hostRequirements(_ options: Options, on target: Target) -> [HostRequirement] {
        [HostRequirements.firewall(neededBy: planName)]
    }
    public static let keys = [
        OptionKey("peers", .selector, "the other side: `{ names: [...] }` or `{ tags: {...} }` (their `address`es)"),
        OptionKey("cidrs", .stringList, "peer addresses or CIDRs (IPv4 or IPv6)"),
        OptionKey("port", .integer(1...65535), "only this port"),
        OptionKey("protocol", .oneOf(["tcp", "udp"]), "with `port`: only this protocol (default both)"),
        Direction.key,
        OptionKey("action", .oneOf(["drop", "reject"]), default: "drop", "what happens to the packets"),
    ]
    public static let documentation = KindDocumentation(
        summary: "Cut the targets off from their peers: one nftables table (or an iptables chain pair) per fault, removed by the revert or the lease. Needs `peers` or `cidrs`.",
        example: "{ cidrs: [10.0.2.0/24], port: 5432, protocol: tcp, direction: outbound, action: reject }")

    public static func decode(_ with: NodeReader.Fields?, _ context: DecodeContext, _ reader: NodeReader) -> Options? {
        var options = Options()
        if let direction = Direction.read(with?["direction"], reader) { options.direction = direction }
        if let node = with?["action"], let text = reader.string(node, "action") {
            if let a = Options.Action(rawValue: text) { options.action = a }
            else { reader.error(node, "action must be drop or reject, found '\(text)'") }
        }
        if let peers = with?["peers"] {
            if let pf = reader.mapping(peers, "peers", allowed: OptionKey.ValueType.selectorKeys) {
                let selector = Selector(names: reader.stringList(pf["names"], "names") ?? [], tags: reader.stringMap(pf["tags"], "tags") ?? [:])
                if !context.targets.contains(where: selector.matches) { reader.error(peers, "peers of step '\(context.step)' match no target") }
                options.peers = selector
            }
        }
        options.cidrs = reader.stringList(with?["cidrs"], "cidrs") ?? []
        for cidr in options.cidrs where !NetworkFaultCommands.isIPv4CIDR(cidr) {
            reader.error(with?["cidrs"], "'\(cidr)' is not an IPv4 address or CIDR such as 10.0.0.0/24")
        }
        options.port = reader.int(with?["port"], "port", range: 1...65535)
        if let p = reader.string(with?["protocol"], "protocol") {
            if ["tcp", "udp"].contains(p) { options.protocolName = p } else { reader.error(with?["protocol"], "protocol must be tcp or udp, found '\(p)'") }
        }
        if options.peers == nil && options.cidrs.isEmpty {
            reader.error(with?.node ?? context.stepNode, "partition of step '\(context.step)' needs peers (a selector) or cidrs")
        }
        return options
    }

    public static func validate(_ options: Options, _ step: StepContext, _ reader: NodeReader) {
        guard options.peers != nil else { return }
        if let target = step.reachable.first(where: { $0.address == nil }) {
            reader.error(step.fields["targets"], "step '\(step.step)' partitions target '\(target.name)', which has no 'address'")
        }
    }

    public static func resolve(_ options: Options, _ context: ResolveContext, _ generator: inout SeededGenerator) throws -> ResolvedFault {
        let targets = context.pick(using: &generator)
        var options = options
        if let peers = options.peers {
            let chosen = Set(targets.map(\.name))
            let addresses = context.inventory.filter { peers.matches($0) && !chosen.contains($0.name) }.compactMap(\.address)
            options.cidrs = Array(Set(options.cidrs + addresses)).sorted()
        }
        return ResolvedFault(fault: fault(options), targets: targets)
    }

    public static func action(_ options: Options, _ context: ActionContext) throws -> FaultAction {
        .host(try commands(options, table: context.table, backend: context.firewall))
    }

    /// The packet-filter rules, validated.
    ///
    /// - Parameter isolateExceptSSHPort: whole-host isolation (zone loss): without peers and port, cut everything
    ///   but loopback and this SSH port.
    public static func rules(_ options: Options, isolateExceptSSHPort: Int? = nil) throws -> [NetworkRule] {
        let rules = try NetworkFaultCommands.peerRules(direction: options.direction, verdict: options.action == .reject ? .reject : .drop,
                                                       cidrs: options.cidrs, port: options.port, protocolName: options.protocolName,
                                                       isolateExceptSSHPort: isolateExceptSSHPort)
        if options.cidrs.isEmpty && options.port == nil && isolateExceptSSHPort == nil {
            throw NetworkFaultError("partition needs `peers:` (targets on the other side), `cidrs:` or `port:`; "
                + "to cut a host off entirely use zone-loss with mode: isolate")
        }
        return rules
    }

    /// The host scripts: the rules in one nftables table or iptables chain pair named after `table`.
    public static func commands(_ options: Options, table: String, backend: FirewallBackend = .automatic,
                                isolateExceptSSHPort: Int? = nil) throws -> RemoteFaultCommands {
        let rules = try rules(options, isolateExceptSSHPort: isolateExceptSSHPort)
        var summary = "partition: \(options.action.rawValue) \(options.direction.rawValue)"
        if !options.cidrs.isEmpty { summary += " peers \(options.cidrs.joined(separator: ","))" }
        if let port = options.port { summary += " port \(port)" }
        if isolateExceptSSHPort != nil && options.cidrs.isEmpty && options.port == nil { summary += " all traffic except loopback and ssh" }
        return NetworkFaultCommands.firewall(rules: rules, table: table, backend: backend, summary: summary)
    }
}
