import Foundation
import Testing
import GameDayTestSupport

struct QuickTourTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Every read-only `gameday validate` / `gameday plan` line of the README works as written from a fresh checkout,
    /// without the demo's variables in the environment (scenarios/ holds plans and a scheduler configuration).
    @Test func readmeCommandsWorkAsWritten() async throws {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        let lines = readme.split(separator: "\n").map(String.init).filter { $0.hasPrefix("gameday validate ") || $0.hasPrefix("gameday plan ") }
        #expect(lines.count >= 2, "the README's quick tour lost its validate/plan lines")
        #expect(!ProcessInfo.processInfo.environment.keys.contains { $0.hasPrefix("GAMEDAY_DEMO_") }, "run the tests without the demo's variables")
        for line in lines {
            let command = String(line.prefix { $0 != "#" }).split(separator: " ").dropFirst().map(String.init)
            let arguments = try command.flatMap { word -> [String] in
                guard word.contains("*") else { return [word] }
                let directory = (word as NSString).deletingLastPathComponent, suffix = word.components(separatedBy: "*").last ?? ""
                return try FileManager.default.contentsOfDirectory(atPath: Self.root + "/" + directory)
                    .filter { $0.hasSuffix(suffix) }.sorted().map { directory + "/" + $0 }
            }
            let process = try GameDayProcess(arguments, directory: Self.root)
            let status = await process.wait(timeout: .seconds(30))
            #expect(status == 0, "README line `\(line)` exits \(status): \(process.stderr.suffix(1500))")
        }
    }

    /// `gameday validate` checks a scheduler configuration as one, and the plans it names with it.
    @Test func validateChecksASchedulerConfigurationAndItsPlans() async throws {
        let dir = try temporaryDirectory("validate-schedule")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "version: 1\ntimeZone: UTC\nhours: { start: \"09:00\", end: \"15:00\" }\nscenarios:\n  - { plan: missing.yaml, meanDaysBetweenRuns: 5 }\n"
            .write(toFile: dir + "/chaos.yaml", atomically: true, encoding: .utf8)
        let bad = try await GameDayProcess.run(["validate", dir + "/chaos.yaml"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(dir)/missing.yaml:1:1: error: no such file"), "\(bad.stderr)")
        try "version: 1\nname: tiny\nsteps: []\n".write(toFile: dir + "/missing.yaml", atomically: true, encoding: .utf8)
        let good = try await GameDayProcess.run(["validate", dir + "/chaos.yaml"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("scheduler configuration: 1 scenario"))
        try "version: 1\ntimeZone: UTC\nscenarios: []\n".write(toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let broken = try await GameDayProcess.run(["validate", dir + "/broken.yaml"])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("\(dir)/broken.yaml:1:1: error: missing key 'hours'"), "\(broken.stderr)")
    }

    /// The postmortem links the runbook relative to itself, also when the plan was given by absolute path, so the link
    /// works on a code host or another checkout.
    @Test func runbookLinkIsRelativeToThePostmortem() async throws {
        let dir = try temporaryDirectory("runbook-link")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/runbooks", withIntermediateDirectories: true)
        try "# What to do\n".write(toFile: dir + "/runbooks/r.md", atomically: true, encoding: .utf8)
        try "version: 1\nname: link\nrunbook: runbooks/r.md\ntimeline: { baseline: 100ms, recovery: 100ms }\nsteps: []\n"
            .write(toFile: dir + "/plan.yaml", atomically: true, encoding: .utf8)
        let run = try await GameDayProcess.run(["run", dir + "/plan.yaml", "--runs-dir", dir + "/runs", "--no-input"])
        #expect(run.status == 0, "\(run.stderr)")
        let runDir = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let postmortem = try String(contentsOfFile: runDir + "/postmortem.md", encoding: .utf8)
        #expect(postmortem.contains("- Runbook: [../../runbooks/r.md](../../runbooks/r.md)"), "\(postmortem)")
        #expect(!postmortem.contains("](\(dir)"))
        // The link resolves from the postmortem's directory.
        #expect(FileManager.default.fileExists(atPath: runDir + "/../../runbooks/r.md"))
        let report = try await GameDayProcess.run(["report", runDir, "--stdout"])
        #expect(report.stdout == postmortem, "gameday report renders the same link")
    }

    /// `gameday plan` shows a command fault as the run executes it: under the fault's lock, bounded where it runs.
    @Test func planShowsHowACommandFaultIsGuarded() async throws {
        let plan = try await GameDayProcess.run(["plan", Self.root + "/scenarios/feature-flag-outage.yaml"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("controller: touch /var/lib/shop/flags/recommendations.off"), "\(plan.stdout)")
        #expect(plan.stdout.contains("under the fault's flock, shared with its revert; stopped there after 8s by timeout -k 1"))
        #expect(plan.stdout.contains("waits for the fault's flock"))
    }

    /// `gameday plan` says where a plan's alerts come from and which count, before anyone runs it.
    @Test func planShowsTheAlertsSection() async throws {
        let plan = try await GameDayProcess.run(["plan", Self.root + "/scenarios/alert-coverage.yaml"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains(#"alerts: alerts matching severity=~"page|ticket", from webhooks on 127.0.0.1:9095 and Alertmanager API http://127.0.0.1:9093"#),
                "\(plan.stdout)")
    }
}
