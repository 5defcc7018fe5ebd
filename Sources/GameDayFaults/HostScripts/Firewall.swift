import Foundation
import GameDayCore

/// Which packet filter a host-side network fault uses.
public enum FirewallBackend: String, Sendable, Codable, CaseIterable {
    /// nftables when `nft` is on the host, else iptables (decided on the host).
    case automatic
    case nftables
    case iptables
}

/// One packet-filter rule of a host-side network fault, independent of nftables or iptables syntax.
public struct NetworkRule: Sendable, Equatable {
    public enum Hook: String, Sendable { case input, output }
    public enum Verdict: String, Sendable { case accept, drop, reject }

    public var hook: Hook
    /// Peer addresses or CIDRs of one family (source on input, destination on output); empty means any peer.
    public var peers: [String]
    public var ipv6: Bool
    /// `tcp`, `udp`, or both when empty (only used together with a port).
    public var protocols: [String]
    public var destinationPort: Int?
    public var sourcePort: Int?
    /// Matches the loopback interface only.
    public var loopback: Bool
    /// Matches this many packets in 10,000 (packet loss); all packets when nil.
    public var basisPoints: Int?
    public var verdict: Verdict

    public init(hook: Hook, peers: [String] = [], ipv6: Bool = false, protocols: [String] = [],
                destinationPort: Int? = nil, sourcePort: Int? = nil, loopback: Bool = false, basisPoints: Int? = nil,
                verdict: Verdict) {
        self.hook = hook; self.peers = peers; self.ipv6 = ipv6; self.protocols = protocols
        self.destinationPort = destinationPort; self.sourcePort = sourcePort; self.loopback = loopback
        self.basisPoints = basisPoints; self.verdict = verdict
    }

    /// The rule in nft syntax, without the `add rule inet TABLE CHAIN` head.
    public var nftExpression: String {
        var parts: [String] = []
        if loopback { parts.append(hook == .input ? "iifname lo" : "oifname lo") }
        if !peers.isEmpty {
            let field = (ipv6 ? "ip6 " : "ip ") + (hook == .input ? "saddr" : "daddr")
            parts.append("\(field) { \(peers.joined(separator: ", ")) }")
        }
        if destinationPort != nil || sourcePort != nil {
            let protocols = self.protocols.isEmpty ? ["tcp", "udp"] : self.protocols
            parts.append("meta l4proto { \(protocols.joined(separator: ", ")) }")
            if let port = destinationPort { parts.append("th dport \(port)") }
            if let port = sourcePort { parts.append("th sport \(port)") }
        }
        if let basisPoints { parts.append("numgen random mod 10000 < \(basisPoints)") }
        parts.append(verdict.rawValue)
        return parts.joined(separator: " ")
    }

    /// The rule as `iptables`/`ip6tables` argument vectors (one per protocol), appended to `chain`.
    public func iptablesArguments(chain: String) -> [[String]] {
        var head = ["-w", String(NetworkFaultCommands.iptablesWaitSeconds), "-A", chain]
        if loopback { head += [hook == .input ? "-i" : "-o", "lo"] }
        if !peers.isEmpty { head += [hook == .input ? "-s" : "-d", peers.joined(separator: ",")] }
        var tail: [String] = []
        if let basisPoints {
            tail += ["-m", "statistic", "--mode", "random", "--probability", Self.probability(basisPoints)]
        }
        switch verdict {
        case .accept: tail += ["-j", "ACCEPT"]
        case .drop: tail += ["-j", "DROP"]
        case .reject: tail += ["-j", "REJECT"]
        }
        guard destinationPort != nil || sourcePort != nil else { return [head + tail] }
        let protocols = self.protocols.isEmpty ? ["tcp", "udp"] : self.protocols
        return protocols.map { proto in
            var argv = head + ["-p", proto]
            if let port = destinationPort { argv += ["--dport", String(port)] }
            if let port = sourcePort { argv += ["--sport", String(port)] }
            return argv + tail
        }
    }

    static func probability(_ basisPoints: Int) -> String {
        let whole = basisPoints / 10000
        let fraction = String(basisPoints % 10000)
        return "\(whole)." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}

/// Why a network fault cannot be built or applied.
public struct NetworkFaultError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// The message for a host whose kernel lacks netem, naming the proxy alternative.
    public static func netemMissing(host: String, detail: String) -> NetworkFaultError {
        NetworkFaultError("host \(host) cannot add latency: its kernel has no netem qdisc (sch_netem) (\(detail)). "
            + "Inject latency through gameday's fault proxy instead: declare the dependency under `proxies:` "
            + "(listen + upstream), point the client at the proxy, and use a step with `fault: latency` and "
            + "`proxy: <name>`.")
    }
}

/// Which way traffic a host-side network fault affects flows, seen from the selected host.
public enum Direction: String, Sendable, Codable, CaseIterable {
    case inbound, outbound, both

    public var hooks: [NetworkRule.Hook] {
        switch self {
        case .inbound: [.input]
        case .outbound: [.output]
        case .both: [.input, .output]
        }
    }
}

/// The building blocks of host-side network faults: nftables (one table per fault) or iptables (one chain pair
/// per fault) for packet-filter rules; `tc` for traffic shaping (TrafficControl.swift). The kinds build their
/// rules with these.
public enum NetworkFaultCommands {
    /// The handle gameday's root qdisc carries, so a revert removes only its own qdisc.
    public static let qdiscHandle = "6d67:"

    /// How long each iptables call waits for the xtables lock (`-w N`) before failing, instead of forever.
    public static let iptablesWaitSeconds = 5

    /// Rules that drop (or reject) traffic to and from peers, optionally only to a port, optionally only a share
    /// of packets (`basisPoints` in 10,000): the rules of partition, packet loss and zone isolation.
    ///
    /// - Parameter isolateExceptSSHPort: for whole-host isolation (zone loss): when no peers and no port are given,
    ///   cut everything but loopback and this SSH port, so the controller can still revert.
    public static func peerRules(direction: Direction, verdict: NetworkRule.Verdict, cidrs: [String], port: Int?,
                                 protocolName: String?, basisPoints: Int? = nil, isolateExceptSSHPort: Int? = nil) throws -> [NetworkRule] {
        let (v4, v6) = try split(cidrs)
        let hooks = direction.hooks
        let protocols = try protocolList(protocolName)
        if let port, !(1...65535).contains(port) {
            throw NetworkFaultError("port \(port) is not a valid port (1-65535)")
        }
        var rules: [NetworkRule] = []
        if let sshPort = isolateExceptSSHPort, v4.isEmpty, v6.isEmpty, port == nil {
            for hook in hooks {
                rules.append(NetworkRule(hook: hook, loopback: true, verdict: .accept))
                rules.append(hook == .input
                    ? NetworkRule(hook: hook, protocols: ["tcp"], destinationPort: sshPort, verdict: .accept)
                    : NetworkRule(hook: hook, protocols: ["tcp"], sourcePort: sshPort, verdict: .accept))
            }
        }
        for hook in hooks {
            let groups: [([String], Bool)] = v4.isEmpty && v6.isEmpty ? [([], false)] : [(v4, false), (v6, true)]
            for (peers, ipv6) in groups where !(peers.isEmpty && (!v4.isEmpty || !v6.isEmpty)) {
                rules.append(NetworkRule(hook: hook, peers: peers, ipv6: ipv6, protocols: protocols,
                                         destinationPort: port, basisPoints: basisPoints, verdict: verdict))
            }
        }
        return rules
    }

    /// nftables: one table holding an input and an output chain, added in one atomic `nft` transaction and removed
    /// by deleting the table. iptables: two chains jumped to from INPUT/OUTPUT.
    public static func firewall(rules: [NetworkRule], table: String, backend: FirewallBackend, summary: String) -> RemoteFaultCommands {
        var nft = "add table inet \(table); "
        for hook in [NetworkRule.Hook.input, .output] where rules.contains(where: { $0.hook == hook }) {
            nft += "add chain inet \(table) \(hook.rawValue) { type filter hook \(hook.rawValue) priority -5; policy accept; }; "
            for rule in rules where rule.hook == hook {
                nft += "add rule inet \(table) \(hook.rawValue) \(rule.nftExpression); "
            }
        }
        let nftInject = ShellQuote.join(["nft", nft.trimmingSuffix("; ")])
        // One nft call in the common case; the listing only runs when the delete failed, to tell "already gone"
        // (fine: the lease or an earlier revert removed it) from a real failure.
        let nftRevert = "nft delete table inet \(table) 2>/dev/null || { if nft list table inet \(table) >/dev/null 2>&1; then echo 'gameday: cannot delete nftables table \(table)' >&2; exit 1; fi; }"

        let chains = iptablesChains(table: table)
        let wait = String(iptablesWaitSeconds)
        var iptInject: [String] = []
        for (tool, ipv6) in [("iptables", false), ("ip6tables", true)] {
            let family = rules.filter { $0.peers.isEmpty || $0.ipv6 == ipv6 }
            guard !family.isEmpty else { continue }
            var lines: [String] = []
            for hook in [NetworkRule.Hook.input, .output] where family.contains(where: { $0.hook == hook }) {
                let chain = hook == .input ? chains.input : chains.output
                lines.append(ShellQuote.join([tool, "-w", wait, "-N", chain]))
                for rule in family where rule.hook == hook {
                    for argv in rule.iptablesArguments(chain: chain) { lines.append(ShellQuote.join([tool] + argv)) }
                }
                lines.append(ShellQuote.join([tool, "-w", wait, "-I", hook == .input ? "INPUT" : "OUTPUT", "1", "-j", chain]))
            }
            let body = lines.joined(separator: " && ")
            // IPv6 rules that only exist because they match any peer are skipped where ip6tables is missing.
            iptInject.append(ipv6 && !family.contains(where: { $0.ipv6 })
                ? "if command -v ip6tables >/dev/null 2>&1; then \(body) || exit 1; fi"
                : "{ \(body); } || exit 1")
        }
        let iptRevert = """
            for t in iptables ip6tables; do command -v "$t" >/dev/null 2>&1 || continue; \
            for pair in INPUT:\(chains.input) OUTPUT:\(chains.output); do h=${pair%%:*}; c=${pair#*:}; n=0; \
            while [ "$n" -lt 16 ] && "$t" -w \(wait) -D "$h" -j "$c" 2>/dev/null; do n=$((n+1)); done; \
            if "$t" -w \(wait) -n -L "$c" >/dev/null 2>&1; then "$t" -w \(wait) -F "$c" && "$t" -w \(wait) -X "$c" || exit 1; fi; done; done
            """
        let details = ["firewall: " + (backend == .iptables ? "iptables chains \(chains.input)/\(chains.output)" : "nftables table inet \(table)"
                       + (backend == .automatic ? " (iptables chains \(chains.input)/\(chains.output) where nft is missing)" : ""))]
            + rules.map { "\($0.hook.rawValue) rule: \($0.nftExpression)" }
        let missing = "echo 'gameday: neither nft nor iptables is installed on this host' >&2; exit \(RemoteExitCode.toolMissing)"

        switch backend {
        case .nftables:
            return RemoteFaultCommands(summary: summary,
                                       inject: HostScript.require("nft", hint: "install nftables or use firewall: iptables") + "\n" + nftInject,
                                       revert: "if command -v nft >/dev/null 2>&1; then \(nftRevert); fi", details: details)
        case .iptables:
            return RemoteFaultCommands(summary: summary,
                                       inject: HostScript.require("iptables", hint: "install iptables or use firewall: nftables") + "\n" + iptInject.joined(separator: "\n"),
                                       revert: iptRevert, details: details)
        case .automatic:
            let inject = "if command -v nft >/dev/null 2>&1; then\n\(nftInject)\nelif command -v iptables >/dev/null 2>&1; then\n"
                + iptInject.joined(separator: "\n") + "\nelse\n\(missing)\nfi"
            let revert = "if command -v nft >/dev/null 2>&1; then \(nftRevert); fi\n\(iptRevert)"
            return RemoteFaultCommands(summary: summary, inject: inject, revert: revert, details: details)
        }
    }

    /// iptables chain names (at most 28 characters) derived from the table name.
    public static func iptablesChains(table: String) -> (input: String, output: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in table.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        let id = String(hash, radix: 16)
        return ("GD\(id)-IN", "GD\(id)-OUT")
    }

    /// Splits and validates CIDRs into IPv4 and IPv6 lists.
    public static func split(_ cidrs: [String]) throws -> ([String], [String]) {
        var v4: [String] = []
        var v6: [String] = []
        for cidr in cidrs {
            let text = cidr.trimmingCharacters(in: .whitespaces)
            if isIPv4CIDR(text) { v4.append(text) }
            else if isIPv6CIDR(text) { v6.append(text) }
            else { throw NetworkFaultError("\(cidr) is not an IP address or CIDR (e.g. 10.0.1.0/24, 10.0.1.7, fd00::/64)") }
        }
        return (v4, v6)
    }

    public static func protocolList(_ name: String?) throws -> [String] {
        guard let name else { return [] }
        switch name.lowercased() {
        case "tcp": return ["tcp"]
        case "udp": return ["udp"]
        case "any", "all", "": return []
        default: throw NetworkFaultError("protocol \(name) is not supported; use tcp or udp (or leave it out for both)")
        }
    }

    public static func isIPv4CIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        if parts.count == 2 { guard let len = Int(parts[1]), (0...32).contains(len), parts[1].allSatisfy(\.isNumber) else { return false } }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0).map { $0 <= 255 } == true }
    }

    public static func isIPv6CIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, !parts[0].isEmpty, parts[0].contains(":") else { return false }
        if parts.count == 2 { guard let len = Int(parts[1]), (0...128).contains(len), parts[1].allSatisfy(\.isNumber) else { return false } }
        guard parts[0].allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        return parts[0].components(separatedBy: "::").count <= 2
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
