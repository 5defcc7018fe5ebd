import Testing
@testable import GameDayReport

@Suite struct RunbookPathTests {
    /// The runbook path is resolved against the plan's directory, folding `..`.
    @Test func resolvesRelativeToPlan() {
        #expect(RunbookPath.resolve("../runbooks/replica-loss.md", relativeTo: "scenarios/demo.yaml") == "runbooks/replica-loss.md")
        #expect(RunbookPath.resolve("runbook.md", relativeTo: "demo.yaml") == "runbook.md")
        #expect(RunbookPath.resolve("./a/../b.md", relativeTo: "x/y/plan.yaml") == "x/y/b.md")
        #expect(RunbookPath.resolve("../../../r.md", relativeTo: "x/plan.yaml") == "../../r.md")
    }

    /// Absolute plan paths give absolute runbook paths; `..` cannot climb above `/`.
    @Test func absolutePlans() {
        #expect(RunbookPath.resolve("../runbooks/r.md", relativeTo: "/srv/gameday/scenarios/p.yaml") == "/srv/gameday/runbooks/r.md")
        #expect(RunbookPath.resolve("../../../r.md", relativeTo: "/p.yaml") == "/r.md")
    }

    /// A runbook is linked relative to the postmortem's directory, so the link survives a checkout elsewhere.
    @Test func relativeToThePostmortem() {
        #expect(RunbookPath.relative("/srv/gd/runbooks/r.md", from: "/srv/gd/runs/20261130-101500-demo") == "../../runbooks/r.md")
        #expect(RunbookPath.relative("/srv/gd/runs/x/r.md", from: "/srv/gd/runs/x") == "r.md")
        #expect(RunbookPath.relative("/r.md", from: "/a/b") == "../../r.md")
        #expect(RunbookPath.relative("/a/b/r.md", from: "/a/b/c/d") == "../../r.md")
    }

    /// URLs and absolute runbook paths are kept as written.
    @Test func urlsAndAbsoluteRunbooks() {
        #expect(RunbookPath.resolve("https://wiki.example/runbooks/r", relativeTo: "scenarios/p.yaml") == "https://wiki.example/runbooks/r")
        #expect(RunbookPath.resolve("/etc/runbooks/r.md", relativeTo: "scenarios/p.yaml") == "/etc/runbooks/r.md")
    }
}
