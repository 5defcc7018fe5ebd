import Foundation
import Testing
import GameDayTestSupport

/// A private tmux server (its own socket name) holding one pane that runs a command; killed at the end.
private final class TmuxPane {
    let socket = "gameday-test-\(getpid())-\(UUID().uuidString.prefix(8))"
    let session = "run"

    init(command: String, width: Int = 110, height: Int = 32) throws {
        let status = try tmux(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command]).status
        guard status == 0 else { throw TestSupportError("tmux new-session failed (exit \(status)); is tmux installed? (make deps-test)") }
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", socket, "-f", "/dev/null"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The pane's visible lines, as a person sees them (no escape sequences).
    func lines() -> [String] {
        ((try? tmux(["capture-pane", "-p", "-t", session]).output) ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func send(_ keys: String...) { _ = try? tmux(["send-keys", "-t", session] + keys) }

    func kill() { _ = try? tmux(["kill-server"]) }
}

@Suite(.serialized)
struct TerminalStatusBlockTests {
    private func command(_ dir: String, _ extra: String = "") throws -> String {
        let gameday = try GameDayExecutable.require()
        return "\(gameday) run \(dir)/plan.yaml --runs-dir \(dir)/runs \(extra); echo EXIT=$?; sleep 120"
    }

    /// In a terminal, `gameday run` keeps the status block in the top lines (phase, countdown, the fault with its time
    /// left, a lamp per check) while the log scrolls below it; keys typed in the pane still mark the run.
    @Test(.timeLimit(.minutes(2)))
    func blockAboveTheLog() async throws {
        let dir = try temporaryDirectory("tmux-block")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile, duration: "5s").write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(command: try command(dir))
        defer { pane.kill() }

        #expect(await eventually(timeout: .seconds(20)) {
            let lines = pane.lines()
            return lines.count > 6 && lines[0].hasPrefix("gameday stop-victim  chaos  T+00:") && lines[1].hasPrefix("fault freeze: node-loss on victim  ") && lines[1].hasSuffix("s left")
                && lines[4].contains("● always-ok")
        }, "no status block during chaos:\n\(pane.lines().joined(separator: "\n"))")
        let lines = pane.lines()
        #expect(lines[0].contains("chaos ends in ") && lines[0].contains("run ends in "))
        #expect(lines[5].hasPrefix("─"))
        #expect(lines.dropFirst(6).contains { $0.hasPrefix("gameday: running stop-victim") }, "the log is not below the block")
        #expect(!lines.prefix(6).contains { $0.hasPrefix("gameday: running") }, "a log line overwrote the block")

        pane.send("d", "Enter")
        #expect(await eventually { !runDirectories(dir + "/runs").isEmpty })
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(await eventually { journalLines(runDir).contains { $0["type"] as? String == "mark" && $0["kind"] as? String == "detected" } },
                "the d typed in the pane was not journaled")

        #expect(await eventually(timeout: .seconds(30)) { pane.lines().contains("EXIT=0") }, "\(pane.lines().joined(separator: "\n"))")
        let end = pane.lines()
        #expect(end[0].hasPrefix("gameday stop-victim  ended: completed"))
        #expect(end[1] == "faults: none active")
        #expect(end.contains { $0.hasPrefix("gameday: completed; verdict HELD") })
        #expect(victim.state != "T")
    }

    /// A blind drill's block never shows which fault, step or target is active while the run goes on.
    @Test(.timeLimit(.minutes(2)))
    func blindBlockHidesTheFault() async throws {
        let dir = try temporaryDirectory("tmux-blind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile, duration: "3s").write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(command: try command(dir, "--blind --no-input"))
        defer { pane.kill() }
        #expect(await eventually(timeout: .seconds(20)) { victim.state == "T" && pane.lines().first?.contains("chaos") == true })
        var captures = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            // Captured before looking at the journal: a capture taken once run.end is journaled may show the
            // closing lines (the postmortem's path names the plan), which reveal everything by design.
            let lines = pane.lines()
            let runEnded = runDirectories(dir + "/runs").first.map { journalLines($0).last?["type"] as? String == "run.end" } ?? false
            if runEnded { break }
            let text = lines.joined(separator: "\n")
            for secret in ["freeze", "victim", "node-loss", "STOP"] { #expect(!text.contains(secret), "'\(secret)' on a blind terminal:\n\(text)") }
            #expect(lines[0].hasPrefix("gameday blind drill  "))
            #expect(lines[1] == "faults: hidden (blind drill)")
            captures += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(captures >= 5, "the run ended before the block was looked at")
        #expect(await eventually(timeout: .seconds(20)) { pane.lines().contains("EXIT=0") })
    }

    /// Closing the terminal mid-fault (the pane and its tmux server go away) still reverts and journals the end:
    /// the block leaves the closed-output and SIGHUP handling as it was.
    @Test(.timeLimit(.minutes(2)))
    func closingTheTerminalReverts() async throws {
        let dir = try temporaryDirectory("tmux-close")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile).write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let pane = try TmuxPane(command: try command(dir))
        defer { pane.kill() }
        #expect(await eventually(timeout: .seconds(20)) { victim.state == "T" && pane.lines().dropFirst().first?.hasSuffix("s left") == true })
        pane.kill()
        let runDir = try #require(runDirectories(dir + "/runs").first)
        #expect(await eventually(timeout: .seconds(30)) { journalLines(runDir).last?["type"] as? String == "run.end" },
                "the run did not end after its terminal closed")
        #expect(journalLines(runDir).last?["status"] as? String == "interrupted")
        #expect(victim.state != "T", "the victim is still stopped after the terminal closed")
    }

    /// Without a terminal (pipes, CI) the output is the plain lines: no escape sequence, no block.
    @Test(.timeLimit(.minutes(1)))
    func pipesGetPlainLines() async throws {
        let dir = try temporaryDirectory("tmux-plain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let victim = try Victim(directory: dir)
        defer { victim.stop() }
        try stopPlan(pidFile: victim.pidFile, duration: "1s").write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let result = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"],
                                                  environment: ["TERM": "xterm-256color"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("\u{1B}") && !result.stdout.contains("\u{1B}"))
        #expect(result.stderr.contains("gameday: running stop-victim"))
    }
}
