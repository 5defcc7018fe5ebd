import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing

@Suite struct NetworkFaultCommandsTests {
    static let table = RemoteFaultNames.table(runID: "20261124-013800-zone", stepIndex: 0, stepName: "cut zone b")

    /// Parses a script with the real `sh -n` (syntax only, nothing runs).
    static func parses(_ script: String) async throws -> Bool {
        try await RemoteProcess.run(["sh", "-n", "-c", script], timeout: .seconds(20)).result.exitCode == 0
    }

    /// Table names carry the run and step, sanitized to what nft accepts.
    @Test func tableNameFromRunAndStep() {
        #expect(Self.table == "gameday_20261124_013800_zone_0_cut_zone_b")
        let chains = NetworkFaultCommands.iptablesChains(table: Self.table)
        #expect(chains.input.count <= 28 && chains.output.count <= 28 && chains.input != chains.output)
    }

    /// A partition drops inbound from and outbound to the peers, per direction.
    @Test func partitionRulesPerDirection() throws {
        let both = try Partition.rules(Partition.Options(cidrs: ["10.77.0.13", "10.77.0.14"]))
        #expect(both.map(\.nftExpression) == ["ip saddr { 10.77.0.13, 10.77.0.14 } drop", "ip daddr { 10.77.0.13, 10.77.0.14 } drop"])
        let inbound = try Partition.rules(Partition.Options(cidrs: ["10.0.0.0/24", "fd00::/64"], port: 8080,
                                                            direction: .inbound, action: .reject))
        #expect(inbound.map(\.nftExpression) == [
            "ip saddr { 10.0.0.0/24 } meta l4proto { tcp, udp } th dport 8080 reject",
            "ip6 saddr { fd00::/64 } meta l4proto { tcp, udp } th dport 8080 reject",
        ])
    }

    /// A partition with nothing to cut is refused with a pointer to zone-loss.
    @Test func partitionNeedsPeers() {
        #expect(throws: NetworkFaultError.self) { try Partition.rules(Partition.Options()) }
    }

    /// Values that are not addresses never reach nft (no ruleset injection through `cidrs`).
    @Test func invalidCIDRsAreRefused() {
        for bad in ["10.0.0.1; flush ruleset", "10.0.0.256", "10.0.0.0/33", "host.example", "", "::/129", "1.2.3"] {
            #expect(throws: NetworkFaultError.self) { try Partition.rules(Partition.Options(cidrs: [bad])) }
        }
        #expect(throws: NetworkFaultError.self) { try Partition.rules(Partition.Options(cidrs: ["10.0.0.1"], port: 70000)) }
        #expect(throws: NetworkFaultError.self) { try Partition.rules(Partition.Options(cidrs: ["10.0.0.1"], protocolName: "sctp")) }
    }

    /// Packet loss matches the percentage in basis points (nft numgen, iptables statistic).
    @Test func packetLossPercentages() throws {
        let rules = try PacketLoss.rules(PacketLoss.Options(percent: 30, direction: .inbound))
        #expect(rules.map(\.nftExpression) == ["numgen random mod 10000 < 3000 drop"])
        #expect(rules[0].iptablesArguments(chain: "C") == [["-w", "5", "-A", "C", "-m", "statistic", "--mode", "random", "--probability", "0.3000", "-j", "DROP"]])
        let fine = try PacketLoss.rules(PacketLoss.Options(percent: 0.5, direction: .outbound))
        #expect(fine[0].nftExpression == "numgen random mod 10000 < 50 drop")
        #expect(throws: NetworkFaultError.self) { try PacketLoss.rules(PacketLoss.Options(percent: 0)) }
        #expect(throws: NetworkFaultError.self) { try PacketLoss.rules(PacketLoss.Options(percent: 150)) }
    }

    /// DNS failure blocks queries out to port 53 and answers in from it, TCP and UDP.
    @Test func dnsFailureBlocksPort53() throws {
        let rules = DNSFailure.rules(DNSFailure.Options())
        #expect(rules.map(\.nftExpression) == ["meta l4proto { tcp, udp } th sport 53 drop", "meta l4proto { tcp, udp } th dport 53 drop"])
        #expect(rules[1].iptablesArguments(chain: "C").count == 2)
    }

    /// Isolation (zone loss) keeps loopback and the SSH port open so the controller can still revert.
    @Test func isolationKeepsSSH() throws {
        let rules = try Partition.rules(Partition.Options(), isolateExceptSSHPort: 2222)
        #expect(rules.filter { $0.hook == .input }.map(\.nftExpression) == ["iifname lo accept", "meta l4proto { tcp } th dport 2222 accept", "drop"])
        #expect(rules.filter { $0.hook == .output }.map(\.nftExpression) == ["oifname lo accept", "meta l4proto { tcp } th sport 2222 accept", "drop"])
    }

    /// The nft inject is one atomic command naming the table; the revert deletes the table only if present.
    @Test func nftablesScripts() async throws {
        let commands = try Partition.commands(Partition.Options(cidrs: ["10.77.0.13"]), table: Self.table, backend: .nftables)
        #expect(commands.inject.contains("nft 'add table inet \(Self.table); add chain inet \(Self.table) input { type filter hook input priority -5; policy accept; }; add rule inet \(Self.table) input ip saddr { 10.77.0.13 } drop;"))
        #expect(commands.revert?.contains("nft delete table inet \(Self.table) 2>/dev/null || { if nft list table inet \(Self.table) >/dev/null 2>&1;") == true)
        #expect(try await Self.parses(commands.inject))
        #expect(try await Self.parses(commands.revert ?? ""))
    }

    /// Every backend and fault kind produces scripts a POSIX shell can parse.
    @Test(arguments: FirewallBackend.allCases)
    func scriptsParse(backend: FirewallBackend) async throws {
        let faults: [(kind: String, commands: RemoteFaultCommands)] = [
            ("partition", try Partition.commands(Partition.Options(cidrs: ["10.0.0.0/8", "fd00::1"], port: 443, protocolName: "tcp", action: .reject),
                                                 table: Self.table, backend: backend)),
            ("packetLoss", try PacketLoss.commands(PacketLoss.Options(percent: 12.5), table: Self.table, backend: backend)),
            ("dnsFailure", try DNSFailure.commands(DNSFailure.Options(direction: .outbound), table: Self.table, backend: backend)),
            ("bandwidth", try HostBandwidth.commands(HostBandwidth.Options(rateKbit: 1000))),
            ("latency", try HostLatency.commands(HostLatency.Options(delay: .milliseconds(100), jitter: .milliseconds(10), interface: "eth0"))),
        ]
        for fault in faults {
            let commands = fault.commands
            #expect(try await Self.parses(commands.inject), "\(fault.kind) inject")
            #expect(try await Self.parses(commands.revert ?? ""), "\(fault.kind) revert")
        }
    }

    /// Bandwidth is a tbf root qdisc with gameday's handle; latency is netem; both remove only their own qdisc.
    @Test func trafficControl() throws {
        let bandwidth = try HostBandwidth.commands(HostBandwidth.Options(rateKbit: 1000))
        #expect(bandwidth.inject.contains("tc qdisc replace dev \"$dev\" root handle 6d67: tbf rate 1000kbit"))
        #expect(bandwidth.revert?.contains("grep -q ' 6d67: '") == true)
        let latency = try HostLatency.commands(HostLatency.Options(delay: .milliseconds(100), jitter: .milliseconds(10)))
        #expect(latency.inject.contains("netem delay 100ms 10ms"))
        #expect(latency.inject.contains("exit \(RemoteExitCode.netemMissing)"))
        #expect(throws: NetworkFaultError.self) { try HostBandwidth.commands(HostBandwidth.Options(rateKbit: 1, direction: .inbound)) }
        #expect(throws: NetworkFaultError.self) { try HostBandwidth.commands(HostBandwidth.Options(rateKbit: 0)) }
        #expect(throws: NetworkFaultError.self) { try HostLatency.commands(HostLatency.Options(delay: .zero, interface: "eth0; reboot")) }
    }

    /// The missing-netem error names the proxy alternative.
    @Test func netemMissingNamesTheProxy() {
        let error = NetworkFaultError.netemMissing(host: "web-1", detail: "Specified qdisc kind is unknown")
        #expect(error.description.contains("netem"))
        #expect(error.description.contains("proxy: <name>"))
    }
}
