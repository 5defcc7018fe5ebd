import Foundation
import Testing
import GameDayTestSupport

/// The terminal status block in a real terminal is tested in tmux by tests/console/test_terminal_status.py.
@Suite(.serialized)
struct PlainOutputTests {
    /// Without a terminal (pipes, CI) the output is the plain lines: no escape sequence, no block.
    @Test(.timeLimit(.minutes(1)))
    func pipesGetPlainLines() async throws {
        let dir = try temporaryDirectory("plain-output")
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
