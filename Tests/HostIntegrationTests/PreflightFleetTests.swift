import Foundation
import GameDayCore
import GameDayInjectors
import Testing
import GameDayTestSupport

/// `gameday preflight` (and the preflight of `gameday run`) against the namespaced fleet, run inside the
/// controller's namespace with real sshd, nftables, tc and leases on the hosts.
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct PreflightFleetTests {
    /// A plan with one step per (name, fault, targets, with) entry, the fleet's hosts as ssh targets, and a
    /// health check on h1's service.
    static func writePlan(_ fleet: TestFleet, steps: [(String, String, [String], String)], file: String = "plan.yaml") throws -> String {
        var yaml = "version: 1\nname: preflight-fleet\ntargets:\n"
        yaml += fleet.targetsYAML
        yaml += """
            health:
              - name: h1
                http: { url: "http://\(fleet.host("h1").address):8080/health" }
                interval: 500ms
            timeline: { baseline: 1s, recovery: 1s }
            steps:

            """
        for (name, fault, targets, with) in steps {
            yaml += """
                  - name: \(name)
                    at: 0s
                    duration: 3s
                    fault: \(fault)
                    targets: { names: [\(targets.joined(separator: ", "))], all: true, maxPercent: 100% }
                    with: \(with)

                """
        }
        let path = fleet.directory + "/" + file
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func preflight(_ fleet: TestFleet, _ arguments: [String]) async throws -> (CommandResult, PreflightReport?) {
        let gameday = try GameDayEndToEndTests.gameday()
        let result = try await RemoteProcess.run(fleet.controllerPrefix + [gameday, "preflight"] + arguments + ["--runs-dir", fleet.directory + "/runs"],
                                                 timeout: .seconds(120)).result
        let report = arguments.contains("--json") ? try? JSONDecoder().decode(PreflightReport.self, from: Data(result.stdout.utf8)) : nil
        return (result, report)
    }

    static func item(_ report: PreflightReport, _ subject: String, _ requirement: String) -> PreflightItem? {
        report.items.first { $0.subject == subject && $0.requirement == requirement }
    }

    /// Restricts the PATH of h<n>'s ssh sessions to /usr/bin:/bin (no nft, iptables or tc: they live in /usr/sbin)
    /// and waits until sshd has re-read its configuration.
    static func restrictPath(_ fleet: TestFleet, host: String) async throws {
        let config = fleet.directory + "/\(host)/sshd_config"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("SetEnv PATH=/usr/bin:/bin\n".utf8))
        try handle.close()
        let pid = try String(contentsOfFile: fleet.directory + "/\(host)/sshd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(kill(pid_t(pid)!, SIGHUP) == 0)
        let ssh = ["ssh", "-i", fleet.directory + "/id_ed25519", "-o", "UserKnownHostsFile=\(fleet.directory)/known_hosts", "-o", "BatchMode=yes",
                   "-p", "2222", "root@\(fleet.host(host).address)", "echo $PATH"]
        let reloaded = try await eventually(timeout: .seconds(20), every: .seconds(0.2)) {
            (try? await fleet.run(in: "ctl", ssh))?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "/usr/bin:/bin"
        }
        #expect(reloaded, "sshd on \(host) did not take the restricted PATH")
    }

    /// A fleet that can take a partition passes: every host reachable with nft, a private lease directory, a lease
    /// keeper, timeout and flock; the check answers; exit 0.
    @Test func readyFleetPasses() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, steps: [("cut", "partition", ["h3", "h4"], "{ peers: { tags: { zone: a } } }")])
            let (result, report) = try await Self.preflight(fleet, [plan, "--json"])
            #expect(result.exitCode == 0, "preflight: \(result.stdout) \(result.stderr)")
            let found = try #require(report)
            #expect(found.ready)
            for host in ["h3", "h4"] {
                #expect(Self.item(found, host, "reachable")?.status == .ok)
                #expect(Self.item(found, host, "nft or iptables")?.detail.contains("nft") == true)
                #expect(Self.item(found, host, "lease directory")?.status == .ok)
                #expect(Self.item(found, host, "lease keeper")?.status == .ok)
                #expect(Self.item(found, host, "clock")?.status == .ok)
            }
            #expect(Self.item(found, "check h1", "answers")?.status == .ok)
            // Hosts the plan does not touch are not asked.
            #expect(Self.item(found, "h1", "reachable") == nil)
        }
    }

    /// A stopped sshd, a PATH without nft and iptables, and a latency step on a kernel without netem are each
    /// reported with the reason and the fix, and the plan is not ready (exit 1).
    @Test func reportsEachProblemWithItsFix() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, steps: [
                ("cut", "partition", ["h2", "h3"], "{ cidrs: [10.77.0.1/32] }"),
                ("slow", "latency", ["h4"], "{ delay: 100ms }"),
            ])
            let pid = try String(contentsOfFile: fleet.directory + "/h2/sshd.pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(kill(pid_t(pid)!, SIGTERM) == 0)
            try await Self.restrictPath(fleet, host: "h3")

            let (result, report) = try await Self.preflight(fleet, [plan, "--json"])
            #expect(result.exitCode == 1, "preflight: \(result.stdout) \(result.stderr)")
            let found = try #require(report)
            let h2 = try #require(Self.item(found, "h2", "reachable"))
            #expect(h2.status == .failed)
            #expect(h2.detail.contains("Connection refused"), "\(h2.detail)")
            #expect(h2.fix?.contains("start sshd") == true)

            let h3 = try #require(Self.item(found, "h3", "nft or iptables"))
            #expect(h3.status == .failed)
            #expect(h3.detail.contains("nft is not on PATH") && h3.detail.contains("iptables is not on PATH"), "\(h3.detail)")
            #expect(Self.item(found, "h3", "reachable")?.status == .ok)

            let h4 = try #require(Self.item(found, "h4", "netem qdisc"))
            #expect(h4.status == .failed)
            #expect(h4.detail.contains("Specified qdisc kind is unknown"), "\(h4.detail)")
            #expect(h4.fix?.contains("sch_netem") == true)
            #expect(h4.steps == ["slow"])

            // The human rendering: one line per requirement, the fix under each failure, the summary last.
            let (text, _) = try await Self.preflight(fleet, [plan])
            #expect(text.exitCode == 1)
            #expect(text.stdout.contains("✗ h4"))
            #expect(text.stdout.contains("→ load sch_netem"))
            #expect(text.stdout.split(separator: "\n").last?.hasPrefix("not ready: 3 of") == true, "\(text.stdout)")
        }
    }

    /// --rehearse: each host's marker (an empty nftables table) is removed by its lease, not by gameday, within 2 s
    /// of the deadline; nothing is left behind (no table, no lease file, no watchdog).
    @Test func rehearsalProvesEveryLease() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, steps: [("cut", "partition", ["h3", "h4"], "{ peers: { tags: { zone: a } } }")])
            let (result, report) = try await Self.preflight(fleet, [plan, "--json", "--rehearse", "--lease-seconds", "3"])
            #expect(result.exitCode == 0, "preflight: \(result.stdout) \(result.stderr)")
            let found = try #require(report)
            #expect(found.rehearsals.map(\.host).sorted() == ["h3", "h4"])
            for rehearsal in found.rehearsals {
                #expect(rehearsal.marker == "nftables table")
                #expect(rehearsal.keeper.contains("watchdog") || rehearsal.keeper.contains("systemd"))
                let fired = try #require(rehearsal.firedAfter, "\(rehearsal.summary)")
                #expect(fired >= 2.5, "the marker vanished after \(fired) s, before its 3 s lease could have fired")
                #expect(rehearsal.passed, "\(rehearsal.summary)")
            }
            #expect(try await !fleet.tables(on: "h3").contains("gameday_"))
            #expect(try await !fleet.tables(on: "h4").contains("gameday_"))
            try Self.expectNoRehearsalLeft()
        }
    }

    /// SIGINT in the middle of a rehearsal removes every marker and its lease at once (exit 3), long before the
    /// leases would have fired.
    @Test func interruptedRehearsalLeavesNothing() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, steps: [("cut", "partition", ["h3", "h4"], "{ peers: { tags: { zone: a } } }")])
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = fleet.controllerPrefix + [try GameDayEndToEndTests.gameday(), "preflight", plan, "--rehearse",
                                                          "--lease-seconds", "60", "--runs-dir", fleet.directory + "/runs"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let pid = process.processIdentifier
            defer { if process.isRunning { kill(pid, SIGKILL) } }
            let marked = try await eventually(timeout: .seconds(30), every: .seconds(0.1)) {
                let h3 = try await fleet.tables(on: "h3"), h4 = try await fleet.tables(on: "h4")
                return h3.contains("gameday_") && h4.contains("gameday_")
            }
            #expect(marked, "the rehearsal markers never appeared")
            let interrupted = ContinuousClock.now
            kill(pid, SIGINT)
            let exited = try await eventually(timeout: .seconds(30), every: .seconds(0.1)) { !process.isRunning }
            #expect(exited)
            #expect(process.terminationStatus == 3)
            #expect(ContinuousClock.now - interrupted < .seconds(30))
            #expect(try await !fleet.tables(on: "h3").contains("gameday_"))
            #expect(try await !fleet.tables(on: "h4").contains("gameday_"))
            try Self.expectNoRehearsalLeft()
        }
    }

    /// `gameday run` on a plan whose latency step cannot work (no netem) aborts in the baseline with the reason,
    /// exit 3, and nothing applied: the journal has the preflight and no inject.
    @Test func runAbortsInBaselineWhenNotReady() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, steps: [("slow", "latency", ["h3"], "{ delay: 100ms }")])
            let gameday = try GameDayEndToEndTests.gameday()
            let result = try await RemoteProcess.run(fleet.controllerPrefix + [gameday, "run", plan, "--runs-dir", fleet.directory + "/runs", "--no-input"],
                                                     timeout: .seconds(120)).result
            #expect(result.exitCode == 3, "gameday run: \(result.stderr)")
            #expect(result.stderr.contains("netem"), "\(result.stderr)")
            let runDirectory = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let journal = try String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8)
            #expect(journal.contains("\"type\":\"preflight\""))
            #expect(!journal.contains("\"type\":\"inject.begin\""))
            let postmortem = try String(contentsOfFile: runDirectory + "/postmortem.md", encoding: .utf8)
            #expect(postmortem.contains("## Appendix: preflight"))
            #expect(postmortem.contains("Specified qdisc kind is unknown"))
        }
    }

    /// No rehearsal lease file, marker or watchdog of this test process's preflights is left on the shared /run.
    static func expectNoRehearsalLeft() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "/run/gameday")) ?? []
        #expect(!files.contains { $0.contains("rehearsal") }, "left in /run/gameday: \(files.filter { $0.contains("rehearsal") })")
        var watchdogs: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if line.contains("gameday-lease") && line.contains("rehearsal") { watchdogs.append(entry) }
        }
        #expect(watchdogs.isEmpty, "rehearsal watchdogs still running: \(watchdogs)")
    }
}
