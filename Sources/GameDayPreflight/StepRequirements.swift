import GameDayCore

/// What a scheduled step needs on one of its targets: the tools its host script calls, with a harmless probe of the
/// rights to use them, and the qdisc kinds it attaches.
public enum StepRequirements {
    static let firewall = HostRequirement(
        .tool(anyOf: [HostRequirement.Tool("nft", probe: "nft list tables"), HostRequirement.Tool("iptables", probe: "iptables -w 5 -L -n")]),
        neededBy: "", fix: "install nftables (or iptables), and run the host's faults as root")

    static func trafficControl(_ qdisc: String, neededBy: String) -> [HostRequirement] {
        let fix = qdisc == "netem"
            ? "load sch_netem (modprobe sch_netem; on some distributions: install the kernel's extra modules) or use the proxy's latency"
            : "load sch_\(qdisc) (modprobe sch_\(qdisc)) or use the proxy's bandwidth"
        return [
            HostRequirement(.tool(anyOf: [HostRequirement.Tool("tc", probe: "tc qdisc show")]), neededBy: neededBy, fix: "install iproute2"),
            HostRequirement(.qdisc(qdisc), neededBy: neededBy, fix: fix),
        ]
    }

    static func signals(_ target: Target, neededBy: String) -> [HostRequirement] {
        var needs = [HostRequirement(.tool(anyOf: [HostRequirement.Tool("kill")]), neededBy: neededBy, fix: "install procps")]
        if target.process?.pattern != nil {
            needs.append(HostRequirement(.tool(anyOf: [HostRequirement.Tool("pgrep")]), neededBy: neededBy, fix: "install procps"))
        }
        if target.process?.systemdUnit != nil {
            needs.append(HostRequirement(.tool(anyOf: [HostRequirement.Tool("systemctl", probe: "systemctl is-system-running >/dev/null 2>&1 || [ -d /run/systemd/system ]")]),
                                         neededBy: neededBy, fix: "systemdUnit needs systemd running on the host; use pidFile or pattern"))
        }
        return needs
    }

    /// The requirements of `step` on `target`. Local node loss signals processes from the controller itself and a
    /// proxy fault touches no host: both need nothing there.
    public static func of(_ step: ScheduledStep, on target: Target) -> [HostRequirement] {
        let name = step.fault.kindName
        var firewall = Self.firewall
        firewall.neededBy = name
        switch step.fault {
        case .network(let network):
            switch network.kind {
            case .partition, .packetLoss, .dnsFailure: return [firewall]
            case .latency: return trafficControl("netem", neededBy: name)
            case .bandwidth: return trafficControl("tbf", neededBy: name)
            }
        case .zoneLoss(let zone):
            return zone.mode == .isolate ? [firewall] : signals(target, neededBy: name)
        case .stress:
            return [HostRequirement(.tool(anyOf: [HostRequirement.Tool("stress-ng")]), neededBy: name,
                                    fix: "install stress-ng (apt-get install stress-ng / dnf install stress-ng)")]
        case .nodeLoss:
            if case .local = target.access { return [] }
            return signals(target, neededBy: name)
        case .command(let command):
            guard let program = command.inject.first else { return [] }
            return [HostRequirement(.tool(anyOf: [HostRequirement.Tool(program)]), neededBy: name,
                                    fix: "install \(program) on the host or fix the step's command")]
        case .proxy, .random:
            return []
        }
    }
}
