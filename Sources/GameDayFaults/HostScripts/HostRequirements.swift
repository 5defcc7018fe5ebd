import GameDayCore

/// The host requirements the kinds share, by mechanism: the firewall (nftables or iptables), traffic control (tc
/// and a qdisc kind), signals to a service, and single programs. Each kind lists its own from these.
public enum HostRequirements {
    /// nft or iptables, with a read-only probe of the right to use each.
    public static func firewall(neededBy kind: String) -> HostRequirement {
        HostRequirement(.tool(anyOf: [HostRequirement.Tool("nft", probe: "nft list tables"),
                                      HostRequirement.Tool("iptables", probe: "iptables -w 5 -L -n")]),
                        neededBy: kind, fix: "install nftables (or iptables), and run the host's faults as root")
    }

    /// tc (allowed to list qdiscs) and the qdisc kind, tried in a throwaway network namespace.
    public static func trafficControl(_ qdisc: String, neededBy kind: String) -> [HostRequirement] {
        let fix = qdisc == "netem"
            ? "load sch_netem (modprobe sch_netem; on some distributions: install the kernel's extra modules) or use the proxy's latency"
            : "load sch_\(qdisc) (modprobe sch_\(qdisc)) or use the proxy's \(kind)"
        return [
            HostRequirement(.tool(anyOf: [HostRequirement.Tool("tc", probe: "tc qdisc show")]), neededBy: kind, fix: "install iproute2"),
            HostRequirement(.qdisc(qdisc), neededBy: kind, fix: fix),
        ]
    }

    /// Signals to the target's service over ssh: kill, plus pgrep for `pattern` and a running systemd for
    /// `systemdUnit`. A local target is signalled from the controller itself and needs nothing.
    public static func signals(_ target: Target, neededBy kind: String) -> [HostRequirement] {
        guard case .ssh = target.access else { return [] }
        var needs = [program("kill", package: "procps", neededBy: kind)]
        if target.process?.pattern != nil { needs.append(program("pgrep", package: "procps", neededBy: kind)) }
        if target.process?.systemdUnit != nil {
            needs.append(HostRequirement(.tool(anyOf: [HostRequirement.Tool("systemctl", probe: "[ -d /run/systemd/system ]")]),
                                         neededBy: kind, fix: "systemdUnit needs systemd running on the host; use pidFile or pattern"))
        }
        return needs
    }

    /// One program on PATH, from a package.
    public static func program(_ name: String, package: String, neededBy kind: String) -> HostRequirement {
        HostRequirement(.tool(anyOf: [HostRequirement.Tool(name)]), neededBy: kind,
                        fix: "install \(package) (apt-get install \(package) / dnf install \(package))")
    }
}
