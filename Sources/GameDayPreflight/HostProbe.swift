import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors

/// One read-only shell script per host that answers every preflight question about it in one round trip: who the
/// run's user is, the host's clock, where the lease state would live and whether it is private, how a lease would be
/// kept (systemd timer or watchdog) and, per requirement of the plan's steps, which tool is there and usable.
///
/// Nothing on the host changes, except that the private lease directory is created (0700) if missing, exactly as
/// the first fault would create it. A qdisc is tried only inside a throwaway network namespace.
public enum HostProbe {
    /// The script for `requirements` (index i of the output refers to requirements[i]).
    public static func script(requirements: [HostRequirement]) -> String {
        var lines = [
            "exec 2>/dev/null </dev/null",
            // Every answer is one line: KEY<TAB>STATUS<TAB>DETAIL; details are flattened to one line.
            "say() { printf '%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$(printf '%s' \"$3\" | tr '\\t\\n' '  ' | cut -c1-300)\"; }",
            "say user ok \"$(id -un) uid=$(id -u)\"",
            "t=$(date +%s%N); case \"$t\" in *N*|'') t=\"$(date +%s)000000000\";; esac; say clock ok \"$t\"",
            "o=$( (\n\(HostScript.stateDirectory)\necho \"$d\") 2>&1 ); if [ $? -eq 0 ]; then say lease-dir ok \"$(printf '%s' \"$o\" | tail -n 1)\"; else say lease-dir fail \"$o\"; fi",
            "if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null; then say lease-keeper ok systemd",
            "elif command -v setsid >/dev/null; then say lease-keeper ok watchdog",
            "else say lease-keeper fail 'neither systemd-run (with systemd running) nor setsid (util-linux) is available'; fi",
            "for x in timeout flock; do if command -v \"$x\" >/dev/null; then say \"bound-$x\" ok \"$(command -v \"$x\")\"; else say \"bound-$x\" fail missing; fi; done",
        ]
        for (index, requirement) in requirements.enumerated() {
            switch requirement.check {
            case .tool(let tools):
                for (alternative, tool) in tools.enumerated() {
                    let key = "req-\(index)-\(alternative)"
                    let name = ShellQuote.quote(tool.name)
                    var line = "if ! command -v \(name) >/dev/null; then say \(key) absent 'not on PATH'"
                    if let probe = tool.probe {
                        line += "\nelif o=$( (\(probe)\n) 2>&1 ); then say \(key) ok \"$(command -v \(name))\"\nelse say \(key) denied \"$o\""
                    } else {
                        line += "\nelse say \(key) ok \"$(command -v \(name))\""
                    }
                    lines.append(line + "\nfi")
                }
            case .qdisc(let kind):
                let key = "req-\(index)-0"
                let add = "tc qdisc add dev lo root " + qdiscArguments(kind)
                lines.append([
                    "if ! command -v tc >/dev/null; then say \(key) absent 'tc is not on PATH'",
                    "elif ! command -v unshare >/dev/null; then say \(key) unknown 'unshare (util-linux) is missing, so the qdisc cannot be tried safely'",
                    "elif o=$(unshare -n sh -c \(ShellQuote.quote(add)) 2>&1); then say \(key) ok 'attached in a throwaway namespace'",
                    "else case \"$o\" in *'Operation not permitted'*|*'ermission denied'*) say \(key) denied \"$o\";; *) say \(key) fail \"$o\";; esac",
                    "fi",
                ].joined(separator: "\n"))
            }
        }
        lines.append("say end ok done")
        return lines.joined(separator: "\n")
    }

    /// The smallest valid configuration of a qdisc kind, for the throwaway try.
    static func qdiscArguments(_ kind: String) -> String {
        switch kind {
        case "netem": return "netem delay 1ms"
        case "tbf": return "tbf rate 1mbit burst 32kbit latency 400ms"
        default: return ShellQuote.quote(kind)
        }
    }

    /// One answer of the script.
    public struct Answer: Sendable, Equatable {
        public var status: String
        public var detail: String
    }

    /// Parses the script's output into answers by key; lines that are not answers are ignored.
    public static func parse(_ output: String) -> [String: Answer] {
        var answers: [String: Answer] = [:]
        for line in output.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, !fields[0].isEmpty else { continue }
            answers[fields[0]] = Answer(status: fields[1], detail: fields[2].trimmingCharacters(in: .whitespaces))
        }
        return answers
    }
}
