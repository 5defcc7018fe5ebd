import GameDayCore

extension NetworkFaultCommands {
    /// tc: a root qdisc (`tbf` for bandwidth, `netem` for latency) with gameday's handle on the interface; the
    /// revert removes it only while it is still gameday's.
    ///
    /// - Parameters:
    ///   - qdisc: the qdisc and its parameters (`["netem", "delay", "100ms"]`).
    ///   - kind: the plan name, for messages.
    public static func trafficControl(qdisc: [String], summary: String, interface: String?, direction: Direction,
                                      kind: String) throws -> RemoteFaultCommands {
        if direction == .inbound {
            throw NetworkFaultError("\(kind) shapes traffic leaving a host (tc egress); "
                + "for inbound traffic apply it on the sending hosts, or use direction: outbound")
        }
        let device = try deviceSelection(interface)
        let add = ShellQuote.join(["tc", "qdisc", "replace", "dev"]) + " \"$dev\" "
            + ShellQuote.join(["root", "handle", qdiscHandle] + qdisc)
        let inject = [
            HostScript.require("tc", hint: "install iproute2"),
            device,
            "out=$(\(add) 2>&1) || { case \"$out\" in *'kind is unknown'*|*'Unknown qdisc'*) echo \"gameday: netem-missing: $out\" >&2; exit \(RemoteExitCode.netemMissing);; *) echo \"$out\" >&2; exit 1;; esac; }",
            "echo \"\(summary.replacingOccurrences(of: "\"", with: "")) on $dev\"",
        ].joined(separator: "\n")
        let revert = [
            "command -v tc >/dev/null 2>&1 || exit 0",
            device,
            "if tc qdisc show dev \"$dev\" root 2>/dev/null | grep -q ' \(qdiscHandle) '; then tc qdisc del dev \"$dev\" root || exit 1; fi",
        ].joined(separator: "\n")
        let details = ["tc: root qdisc handle \(qdiscHandle) \(qdisc.joined(separator: " ")) on " + (interface.map { "interface \($0)" } ?? "the default route's interface")]
        return RemoteFaultCommands(summary: summary, inject: inject, revert: revert, details: details)
    }

    /// Sets `dev`: the given interface, else the default route's, else the first interface that is up.
    public static func deviceSelection(_ interface: String?) throws -> String {
        if let interface {
            guard !interface.isEmpty, interface.count <= 15,
                  interface.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) }) else {
                throw NetworkFaultError("interface \(interface) is not a valid interface name")
            }
            return "dev=\(ShellQuote.quote(interface))"
        }
        return """
            dev=$(ip -o route show default 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit }}')
            [ -n "$dev" ] || dev=$(ip -o link show up 2>/dev/null | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2; exit }')
            [ -n "$dev" ] || { echo 'gameday: no network interface found on this host; set interface:' >&2; exit \(RemoteExitCode.noInterface); }
            """
    }

}
