import Foundation
import Testing
import GameDayTestSupport

/// A plan that stops the victim (SIGSTOP) for a long time, with a trivial command health check.
func stopPlan(pidFile: String, duration: String = "60s", guardrail: String = "") -> String {
    """
    version: 1
    name: stop-victim
    environment: staging
    targets:
      - name: victim
        address: 127.0.0.1
        process: { pidFile: "\(pidFile)" }
    health:
      - name: always-ok
        command: [/bin/true]
        interval: 200ms
        failuresToUnhealthy: 1
        successesToHealthy: 1
    hypothesis:
      - { check: always-ok, availability: 100% }
    \(guardrail)
    timeline: { baseline: 500ms, recovery: 500ms }
    steps:
      - name: freeze
        at: 0s
        duration: \(duration)
        fault: node-loss
        targets: { names: [victim] }
        with: { signal: STOP }

    """
}

@Suite(.serialized)
struct RunLifecycleTests {
    /// SIGINT and SIGTERM to a real `gameday run` mid-fault revert the fault (the victim runs again) and journal it.
    @Test(arguments: [SIGINT, SIGTERM])
    func signalMidFaultReverts(signal: Int32) async throws {
        let dir = try temporaryDirectory("signal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "the victim was never stopped; stderr: \(run.stderr)")
        kill(run.pid, signal)
        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 3, "exit \(status); stderr: \(run.stderr)")
        #expect(victim.state != "T", "the victim is still stopped after the run ended")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let events = journalLines(runDir)
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.contains("signal"))
        let revertEnd = events.first { $0["type"] as? String == "revert.end" }
        #expect(revertEnd?["ok"] as? Bool == true)
        let revertBegin = events.first { $0["type"] as? String == "revert.begin" }
        #expect(revertBegin?["reason"] as? String == "signal")
        #expect(events.last?["type"] as? String == "run.end")
        #expect(events.last?["status"] as? String == "interrupted")
        let postmortem = try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8)
        #expect(postmortem.contains("ABORTED"))
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == runDir)
    }

    /// SIGKILL leaves the fault applied (the journal says so); `gameday recover` reverts it from the journal alone.
    @Test func sigkillThenRecover() async throws {
        let dir = try temporaryDirectory("recover")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" })
        kill(run.pid, SIGKILL)
        await run.wait(timeout: .seconds(10))
        #expect(victim.state == "T", "SIGKILL should leave the fault in place (that is what recover is for)")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(!journalLines(runDir).contains { $0["type"] as? String == "run.end" })

        let recover = try await GameDayProcess.run(["recover", "--runs-dir", dir + "/runs"], timeout: .seconds(60))
        #expect(recover.status == 0, "recover exit \(recover.status): \(recover.stderr)")
        #expect(victim.state != "T", "recover did not continue the victim")
        let events = journalLines(runDir)
        let begin = events.last { $0["type"] as? String == "revert.begin" }
        #expect(begin?["reason"] as? String == "recover")
        #expect(events.last?["type"] as? String == "run.end")
        let seqs = events.compactMap { $0["seq"] as? Int }
        #expect(seqs == Array(1...seqs.count), "sequence numbers continue without gaps")
        #expect(FileManager.default.fileExists(atPath: runDir + "/postmortem.md"))

        // A second recover finds nothing left to do.
        let again = try await GameDayProcess.run(["recover", "--runs-dir", dir + "/runs"], timeout: .seconds(30))
        #expect(again.status == 0)
        #expect(journalLines(runDir).count == events.count)
    }

    /// A run that ends normally reverts on schedule; `gameday report` re-renders the postmortem byte for byte.
    @Test func normalRunAndByteForByteReport() async throws {
        let dir = try temporaryDirectory("normal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile, duration: "1s").write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"], timeout: .seconds(60))
        #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
        #expect(victim.state != "T")
        let runDir = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let written = try Data(contentsOf: URL(fileURLWithPath: runDir + "/postmortem.md"))
        let report = try await GameDayProcess.run(["report", runDir, "--stdout"], timeout: .seconds(30))
        #expect(report.status == 0)
        #expect(Data(report.stdout.utf8) == written)
        #expect(String(decoding: written, as: UTF8.self).contains("HELD"))
        let events = journalLines(runDir)
        let injectBegin = events.firstIndex { $0["type"] as? String == "inject.begin" }
        let injectEnd = events.firstIndex { $0["type"] as? String == "inject.end" }
        #expect(injectBegin != nil && injectEnd != nil && injectBegin! < injectEnd!)
        #expect(FileManager.default.fileExists(atPath: runDir + "/plan.yaml"))
    }

    /// A guardrail on a failing check aborts the chaos and reverts at once (exit 3), long before the step's end.
    @Test func guardrailAbortReverts() async throws {
        let dir = try temporaryDirectory("guardrail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        let marker = dir + "/healthy"
        FileManager.default.createFile(atPath: marker, contents: nil)
        var plan = stopPlan(pidFile: victim.pidFile, duration: "5m", guardrail: "guardrails:\n  - { check: marker, unhealthyFor: 1s }")
        plan = plan.replacingOccurrences(of: "hypothesis:", with: "  - name: marker\n    command: [/bin/test, -e, \"\(marker)\"]\n    interval: 200ms\n    failuresToUnhealthy: 1\n    successesToHealthy: 1\nhypothesis:")
        try plan.write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try GameDayProcess(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(await eventually { victim.state == "T" }, "stderr: \(run.stderr)")
        try FileManager.default.removeItem(atPath: marker)   // the "service" breaks
        let status = await run.wait(timeout: .seconds(60))
        #expect(status == 3, "exit \(status): \(run.stderr)")
        #expect(victim.state != "T")
        let runDir = try #require(runDirectories(dir + "/runs").first)
        let events = journalLines(runDir)
        #expect(events.contains { $0["type"] as? String == "guardrail" })
        #expect(events.last?["status"] as? String == "aborted")
    }
}

struct CLIContractTests {
    /// validate: 0 for valid files, 2 with FILE:LINE:COL diagnostics for invalid ones.
    @Test func validateExitCodes() async throws {
        let dir = try temporaryDirectory("validate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 1\nname: ok-plan\nsteps: []\n".write(toFile: dir + "/ok.yaml", atomically: true, encoding: .utf8)
        try "version: 1\nname: bad\nstep: []\n".write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        let ok = try await GameDayProcess.run(["validate", dir + "/ok.yaml"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let bad = try await GameDayProcess.run(["validate", dir + "/ok.yaml", dir + "/bad.yaml"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(dir)/bad.yaml:3:1: error: unknown key 'step' in the plan; did you mean 'steps'?"))
        let missing = try await GameDayProcess.run(["validate", dir + "/nope.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.yaml:1:1: error: no such file"))
    }

    /// plan --json is deterministic for a seed and touches nothing; run refuses production without confirmation.
    @Test func planIsDeterministicAndProductionNeedsConfirmation() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let first = try await GameDayProcess.run(["plan", root + "/scenarios/web-node-loss.yaml", "--json", "--seed", "5"])
        let second = try await GameDayProcess.run(["plan", root + "/scenarios/web-node-loss.yaml", "--json", "--seed", "5"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("\"schedule\""))
        let dir = try temporaryDirectory("prod")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 1\nname: prod-plan\nenvironment: production\nsteps: []\n".write(toFile: dir + "/p.yaml", atomically: true, encoding: .utf8)
        let refused = try await GameDayProcess.run(["run", dir + "/p.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--confirm-production"))
        #expect(runDirectories(dir + "/runs").isEmpty)
    }
}
