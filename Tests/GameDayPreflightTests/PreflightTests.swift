import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
@testable import GameDayPreflight
import Testing

/// The pieces of `gameday preflight` that need no fleet: the host script run for real on this machine, its
/// parser, the verdicts and fixes, the report, and which hosts a schedule asks about.
struct PreflightTests {
    static func step(_ index: Int, _ name: String, _ fault: Fault, _ targets: [Target], proxy: ProxySpec? = nil) -> ScheduledStep {
        ScheduledStep(index: index, name: name, fault: fault, targets: targets, proxy: proxy, injectAt: .seconds(1), revertAt: .seconds(2))
    }

    static let ssh = SSHAccess(user: "root", port: 2222, identity: nil, knownHosts: nil)

    /// The host script, run for real here: tools found or not, a qdisc tried in a throwaway namespace, the lease
    /// directory, a clock, and an end marker; nothing else changes.
    @Test func hostScriptAnswersEveryQuestion() async throws {
        let requirements = [
            HostRequirement(.tool(anyOf: [HostRequirement.Tool("gameday-no-such-tool"), HostRequirement.Tool("sh", probe: "true")]), neededBy: "x", fix: "f"),
            HostRequirement(.tool(anyOf: [HostRequirement.Tool("sh", probe: "echo nope >&2; exit 1")]), neededBy: "y", fix: "f"),
            HostRequirement(.qdisc("gameday-no-such-qdisc"), neededBy: "latency", fix: "load it"),
        ]
        let result = try await LocalExecutor().run(["sh", "-c", HostProbe.script(requirements: requirements)], timeout: .seconds(20))
        let answers = HostProbe.parse(result.stdout)
        #expect(answers["end"]?.status == "ok", "\(result.stdout) \(result.stderr)")
        #expect(answers["req-0-0"]?.status == "absent")
        #expect(answers["req-0-1"]?.status == "ok")
        #expect(answers["req-1-0"]?.status == "denied")
        #expect(answers["req-1-0"]?.detail == "nope")
        let qdisc = try #require(answers["req-2-0"])
        #expect(qdisc.status != "ok", "a bogus qdisc kind cannot attach")
        #expect(answers["lease-dir"]?.status == "ok")
        #expect(answers["lease-keeper"]?.status == "ok")
        let nanos = try #require(Double(answers["clock"]?.detail ?? ""))
        #expect(abs(nanos / 1e9 - Date().timeIntervalSince1970) < 60)

        let host = Preflight.HostWork(target: Target(name: "here", access: .local),
                                      requirements: requirements.map { ($0, ["s"]) }, steps: ["s"])
        let items = requirements.indices.map { Preflight.item(for: requirements[$0], index: $0, answers: answers, host: "here", steps: host.steps) }
        #expect(items[0].status == .ok)
        #expect(items[0].detail.hasPrefix("sh: "))
        #expect(items[1].status == .failed)
        #expect(items[1].detail.contains("may not use it (nope)"))
        #expect(items[1].fix?.contains("root") == true)
        #expect(items[2].status == .failed)
        #expect(items[2].detail.hasPrefix("latency needs the gameday-no-such-qdisc qdisc: "))
    }

    /// The parser takes KEY<TAB>STATUS<TAB>DETAIL lines and ignores anything else (a login banner, a broken line).
    @Test func parserIgnoresNoise() {
        let answers = HostProbe.parse("Welcome!\nuser\tok\troot uid=0\nbroken line\nreq-0-0\tdenied\ta\tb\n\n")
        #expect(answers.count == 2)
        #expect(answers["user"] == HostProbe.Answer(status: "ok", detail: "root uid=0"))
        #expect(answers["req-0-0"]?.detail == "a\tb")
    }

    /// Hosts are asked once each with the union of their steps' needs; a local target whose step needs nothing
    /// there (node loss signals it from the controller) and a proxy step are not hosts to check.
    @Test func hostWorkDeduplicatesAndSkipsLocalSignals() {
        let web1 = Target(name: "web-1", address: "10.0.0.1", access: .ssh(Self.ssh))
        let web2 = Target(name: "web-2", address: "10.0.0.2", access: .ssh(Self.ssh))
        let local = Target(name: "here", access: .local, process: ProcessSelector(pidFile: "/run/x.pid"))
        let schedule = Schedule(planName: "p", seed: 1, baseline: .seconds(1), recovery: .seconds(1), steps: [
            Self.step(0, "cut", Partition.fault(Partition.Options(cidrs: ["10.0.9.0/24"])), [web1, web2]),
            Self.step(1, "cut-again", DNSFailure.fault(DNSFailure.Options()), [web1]),
            Self.step(2, "slow", HostLatency.fault(HostLatency.Options(delay: .milliseconds(100))), [web2]),
            Self.step(3, "kill", NodeLoss.fault(NodeLoss.Options()), [local]),
        ])
        let hosts = Preflight.hostWork(schedule: schedule)
        #expect(hosts.map(\.target.name) == ["web-1", "web-2"])
        let firewall = hosts[0].requirements.filter { $0.0.label == "nft or iptables" }
        #expect(firewall.count == 2, "partition and dns-failure are different needs (their neededBy differs)")
        #expect(hosts[1].requirements.map(\.0.label) == ["nft or iptables", "tc", "netem qdisc"])
        #expect(hosts[1].steps == ["cut", "slow"])
        #expect(Preflight.hasWork(schedule: schedule, hosts: hosts))
        let proxyOnly = Schedule(planName: "p", seed: 1, baseline: .seconds(1), recovery: .seconds(1), steps: [
            Self.step(0, "kill", NodeLoss.fault(NodeLoss.Options()), [local]),
        ])
        #expect(!Preflight.hasWork(schedule: proxyOnly, hosts: Preflight.hostWork(schedule: proxyOnly)))
    }

    /// Ready only without failures; a warning does not count; the summary names the failing subjects; exit 0/1.
    @Test func reportVerdictAndRendering() {
        var report = PreflightReport(items: [
            PreflightItem(subject: "web-1", requirement: "reachable", status: .ok, detail: "ssh web-1 as root"),
            PreflightItem(subject: "web-1", requirement: "clock", status: .warning, detail: "+3.000 s", fix: "sync"),
        ])
        #expect(report.ready && report.exitCode == 0)
        #expect(report.summary == "ready: 2 checks passed on 1 host, 1 warning")
        let proxyOnly = PreflightReport(items: [PreflightItem(subject: "proxy payments", requirement: "API", status: .ok, detail: "2.12.0")])
        #expect(proxyOnly.summary == "ready: 1 check passed", "no host was asked, so none is counted")
        report.items.append(PreflightItem(subject: "web-3", requirement: "netem qdisc", status: .failed, detail: "latency needs the netem qdisc: unknown",
                                          fix: "load sch_netem", steps: ["slow"]))
        #expect(!report.ready && report.exitCode == 1)
        let text = report.render()
        #expect(text.contains("✗ web-3  netem qdisc (for slow): latency needs the netem qdisc: unknown\n    → load sch_netem"))
        #expect(text.contains("! web-1  clock: +3.000 s\n    → sync"))
        #expect(text.hasSuffix("not ready: 1 of 3 checks failed (web-3), 1 warning"))
        let decoded = try? JSONDecoder().decode(PreflightReport.self, from: Data(report.json().utf8))
        #expect(decoded == report)
    }

    /// A rehearsal passes only when the lease fired, and no later than 2 s after its deadline.
    @Test func rehearsalVerdict() {
        func rehearsal(_ fired: Double?, problem: String? = nil) -> LeaseRehearsal {
            LeaseRehearsal(host: "h", marker: "marker file", keeper: "watchdog", leaseSeconds: 5, firedAfter: fired, problem: problem)
        }
        #expect(rehearsal(5.3).passed)
        #expect(rehearsal(7.0).passed)
        #expect(!rehearsal(7.2).passed)
        #expect(!rehearsal(nil).passed)
        #expect(!rehearsal(5.1, problem: "interrupted").passed)
        #expect(PreflightReport(items: [], rehearsals: [rehearsal(nil)]).ready == false)
        #expect(rehearsal(5.3).summary.contains("fired after 5.3 s for a 5 s lease (+0.3 s)"))
    }

    /// ssh failures get the fix for their usual cause.
    @Test func unreachableFixes() {
        #expect(Preflight.unreachable("h", via: "ssh h", error: "Host key verification failed.").fix?.contains("known_hosts") == true)
        #expect(Preflight.unreachable("h", via: "ssh h", error: "ssh: connect to host h port 22: Connection refused").fix?.contains("start sshd") == true)
        #expect(Preflight.unreachable("h", via: "ssh h", error: "root@h: Permission denied (publickey).").fix?.contains("identity") == true)
    }

    /// The runs directory needs room for a journal; a path that does not exist yet is judged by its parent.
    @Test func runsDirectoryFreeSpace() {
        let ok = Preflight.freeSpace("/tmp/gameday-preflight-does-not-exist/runs", minimum: 1)
        #expect(ok.status == .ok)
        let full = Preflight.freeSpace("/tmp", minimum: Int64.max / 2)
        #expect(full.status == .failed)
        #expect(full.fix?.contains("--runs-dir") == true)
    }
}
