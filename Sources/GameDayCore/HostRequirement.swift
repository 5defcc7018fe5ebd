/// Something a fault needs on the host it runs on, checked by `gameday preflight` before the game day.
///
/// Declared by each fault kind as data, so preflight checks exactly what its injector will use.
public struct HostRequirement: Sendable, Hashable, Codable {
    /// A program that can meet the requirement, and optionally a harmless, read-only shell probe (run as the run's
    /// user) proving the user may use it, e.g. `nft list tables`.
    public struct Tool: Sendable, Hashable, Codable {
        public var name: String
        public var probe: String?
        public init(_ name: String, probe: String? = nil) { self.name = name; self.probe = probe }
    }

    public enum Check: Sendable, Hashable, Codable {
        /// One of these tools is on the PATH and (where it has a probe) usable: the first that passes wins.
        case tool(anyOf: [Tool])
        /// tc can attach a root qdisc of this kind (netem, tbf): tried on the loopback device of a private,
        /// throwaway network namespace (`unshare -n`), so nothing on the host changes.
        case qdisc(String)
    }

    public var check: Check
    /// The plan spelling of the fault kind that needs it ("latency"), or "lease" for the dead man's switch.
    public var neededBy: String
    /// What to do when it is missing ("install nftables or iptables").
    public var fix: String

    public init(_ check: Check, neededBy: String, fix: String) {
        self.check = check; self.neededBy = neededBy; self.fix = fix
    }

    /// A short label for the report: "nft or iptables", "netem qdisc".
    public var label: String {
        switch check {
        case .tool(let tools): return tools.map(\.name).joined(separator: " or ")
        case .qdisc(let kind): return "\(kind) qdisc"
        }
    }
}
