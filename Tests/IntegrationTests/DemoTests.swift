import Foundation
import Testing
import GameDayTestSupport

struct DemoTests {
    /// `gameday demo` runs the whole demo game day against a real fleet and leaves nothing running behind it.
    @Test(.timeLimit(.minutes(5)))
    func demoEndToEnd() async throws {
        let dir = try temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let demo = try await GameDayProcess.run(["demo", "--no-input", "--runs-dir", dir + "/runs", "--plan", root + "/scenarios/demo.yaml",
                                                 "--console", "127.0.0.1:0"],
                                                timeout: .seconds(240))
        #expect(demo.status == 0, "exit \(demo.status): \(demo.stderr.suffix(3000))")
        #expect(Set(consoleLinks(demo.stderr).keys) == ["facilitator", "participant", "observer"], "demo --console printed no links")
        let postmortemPath = demo.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(postmortemPath.hasSuffix("/postmortem.md"))
        let runDir = (postmortemPath as NSString).deletingLastPathComponent
        let postmortem = try String(contentsOfFile: postmortemPath, encoding: .utf8)
        #expect(postmortem.contains("## Verdict: HELD"), "\(postmortem.prefix(1500))")
        #expect(postmortem.contains("## Detection and recovery"))
        #expect(postmortem.contains("```mermaid"))
        #expect(FileManager.default.fileExists(atPath: runDir + "/chart-storefront.svg"))

        let events = journalLines(runDir)
        let injected = events.filter { $0["type"] as? String == "inject.end" && $0["ok"] as? Bool == true }
        #expect(injected.count == 4, "every demo step injected")
        let reverts = events.filter { $0["type"] as? String == "revert.end" }
        #expect(reverts.count == 4)
        #expect(reverts.allSatisfy { $0["ok"] as? Bool == true })
        #expect(events.last?["status"] as? String == "completed")
        // The killed replica was detected by its own check and came back through the supervisor.
        let transitions = events.filter { $0["type"] as? String == "health" }
        #expect(transitions.contains { $0["check"] as? String == "replica-r1" && $0["to"] as? String == "unhealthy" })
        #expect(transitions.contains { $0["check"] as? String == "replica-r1" && $0["to"] as? String == "healthy" && ($0["t"] as? Int ?? 0) > 5000 })
        // The slow dependency step went through the proxy.
        #expect(injected.contains { ($0["detail"] as? String ?? "").contains("toxic") })
        // ... and was detected: storefront-speed's slowerThan turns the slow storefront unhealthy during the step.
        let slowRow = postmortem.split(separator: "\n").first { $0.hasPrefix("| slow-payments |") && $0.contains("storefront-speed") }
        #expect(slowRow != nil && !(slowRow ?? "").contains("not detected"),
                "slow-payments has no time to detect: \(postmortem.split(separator: "\n").filter { $0.hasPrefix("| slow-payments") })")
        #expect(transitions.contains { $0["check"] as? String == "storefront-speed" && ($0["reason"] as? String ?? "").contains("slow: ") })
        // Detection by alerts: with Prometheus and Alertmanager installed (TEST_PACKAGES), ReplicaDown pages for the
        // killed replica; without them the demo says what it skipped.
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") && FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus-alertmanager") {
            #expect(postmortem.contains("## Detection by alerts"), "\(demo.stderr.suffix(2000))")
            #expect(postmortem.split(separator: "\n").contains { $0.hasPrefix("| lose-a-replica | node-loss | ReplicaDown") }, "\(postmortem)")
            #expect(postmortem.contains("Alerts caught "))
        } else {
            #expect(demo.stderr.contains("skipping detection by alerts"))
        }

        // Nothing left behind: every replica pid the journal mentions is gone.
        let pids = events.compactMap { $0["detail"] as? String }.flatMap { detail -> [Int32] in
            detail.split(whereSeparator: { !$0.isNumber }).compactMap { Int32($0) }.filter { $0 > 300 }
        }
        for pid in Set(pids) where kill(pid, 0) == 0 {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            #expect(!cmdline.contains("demo-fleet"), "replica process \(pid) survived the demo")
        }
    }
}
