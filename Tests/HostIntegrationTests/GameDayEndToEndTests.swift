import Foundation
import GameDayCore
import GameDayFaults
import GameDayInjectors
import Testing
import GameDayTestSupport

/// `gameday run` and `gameday recover` against the namespaced fleet, run inside the controller's namespace
/// (`ip netns exec <ctl> gameday ...`) with a plan whose targets use `access: ssh`.
@Suite(.serialized, .enabled(if: HostTestGate.enabled, HostTestGate.skipMessage))
struct GameDayEndToEndTests {
    /// The gameday binary built next to this test bundle.
    static func gameday() throws -> String {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("gameday").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw FleetError("the gameday executable is not next to the test bundle in \(directory.path); build it with `swift build --build-tests` first")
    }

    /// A plan partitioning zone b from zone a for `duration`, with a health check on h1's service.
    static func writePlan(_ fleet: TestFleet, duration: String) throws -> String {
        var yaml = """
            version: 1
            name: fleet-partition
            targets:

            """
        yaml += fleet.targetsYAML
        yaml += """
            health:
              - name: h1
                http: { url: "http://\(fleet.host("h1").address):8080/health" }
                interval: 500ms
            timeline: { baseline: 1s, recovery: 1s }
            steps:
              - name: cut-zone-b
                at: 0s
                duration: \(duration)
                fault: partition
                targets: { tags: { zone: b }, all: true, maxPercent: 100% }
                with:
                  peers: { tags: { zone: a } }

            """
        let path = fleet.directory + "/plan.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func partitioned(_ fleet: TestFleet) async throws -> Bool {
        let h3 = try await fleet.tables(on: "h3"), h4 = try await fleet.tables(on: "h4")
        return h3.contains("gameday_") && h4.contains("gameday_")
    }

    static func clean(_ fleet: TestFleet) async throws -> Bool {
        let h3 = try await fleet.tables(on: "h3"), h4 = try await fleet.tables(on: "h4")
        return !h3.contains("gameday_") && !h4.contains("gameday_")
    }

    /// A whole run: the partition is applied on zone b, reverted at the end, journaled, and the run exits 0.
    @Test func runAppliesAndReverts() async throws {
        let gameday = try Self.gameday()
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, duration: "3s")
            let runs = fleet.directory + "/runs"
            let result = try await RemoteProcess.run(fleet.controllerPrefix + [gameday, "run", plan, "--runs-dir", runs, "--no-input"],
                                                     timeout: .seconds(120)).result
            #expect(result.exitCode == 0, "gameday run: \(result.stderr)")
            #expect(try await Self.clean(fleet))
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h3"))
            let runDirectory = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let journal = try String(contentsOfFile: runDirectory + "/journal.jsonl", encoding: .utf8)
            #expect(journal.contains("lease: watchdog pid"))
            #expect(FileManager.default.fileExists(atPath: runDirectory + "/postmortem.md"))
        }
    }

    /// Starts `gameday run` in the controller namespace and SIGKILLs it once the partition is active.
    static func runAndKill(_ fleet: TestFleet, plan: String, runs: String) async throws -> ContinuousClock.Instant {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = fleet.controllerPrefix + [try gameday(), "run", plan, "--runs-dir", runs, "--no-input"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // `ip netns exec` execs gameday, so this pid is gameday's.
        let pid = process.processIdentifier
        defer { if process.isRunning { kill(pid, SIGKILL) } }
        let active = try await eventually(timeout: .seconds(60), every: .seconds(0.1)) { try await partitioned(fleet) }
        let injected = ContinuousClock.now
        kill(pid, SIGKILL)
        process.waitUntilExit()
        // The killed controller could not remove its ssh control directory; it is ours to clean up.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where entry.hasPrefix("gdssh-\(pid)-") {
            try? FileManager.default.removeItem(atPath: "/tmp/" + entry)
        }
        #expect(active, "the partition never became active")
        #expect(process.terminationReason == .uncaughtSignal)
        return injected
    }

    /// The controller SIGKILLed mid-partition: nothing reverts it from the controller side, and the host-side
    /// lease heals it at duration + grace (4 s + the run's 30 s lease grace), not before.
    @Test func leaseHealsAfterSIGKILL() async throws {
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, duration: "4s")
            let injected = try await Self.runAndKill(fleet, plan: plan, runs: fleet.directory + "/runs")
            try await Task.sleep(for: .seconds(6))
            #expect(try await Self.partitioned(fleet), "the partition should outlive the killed controller until its lease")
            #expect(try await !fleet.serviceAnswers(from: "h1", to: "h3"))
            let healed = try await eventually(timeout: .seconds(60), every: .seconds(0.2)) { try await Self.clean(fleet) }
            let elapsed = ContinuousClock.now - injected
            #expect(healed)
            #expect(elapsed >= .seconds(30), "healed \(elapsed) after the inject, before the lease deadline (34 s)")
            #expect(elapsed < .seconds(45), "healed \(elapsed) after the inject, long after the 34 s lease")
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h3"))
        }
    }

    /// `gameday recover` after a SIGKILL reverts the remote partition from the journal alone, cancels the leases,
    /// and exits 0.
    @Test func recoverAfterSIGKILL() async throws {
        let gameday = try Self.gameday()
        try await TestFleet.with { fleet in
            let plan = try Self.writePlan(fleet, duration: "60s")
            let runs = fleet.directory + "/runs"
            _ = try await Self.runAndKill(fleet, plan: plan, runs: runs)
            #expect(try await Self.partitioned(fleet))
            let result = try await RemoteProcess.run(fleet.controllerPrefix + [gameday, "recover", "--runs-dir", runs],
                                                     timeout: .seconds(120)).result
            #expect(result.exitCode == 0, "gameday recover: \(result.stdout) \(result.stderr)")
            #expect(try await Self.clean(fleet))
            #expect(try await fleet.serviceAnswers(from: "h1", to: "h3"))
            let leases = (try? FileManager.default.contentsOfDirectory(atPath: "/run/gameday")) ?? []
            let runID = try FileManager.default.contentsOfDirectory(atPath: runs).first ?? "none"
            #expect(!leases.contains { $0.contains(RemoteFaultNames.sanitize(runID, limit: 48, separator: "-")) },
                    "the recovered faults' leases should be cancelled")
        }
    }
}
