import Foundation
import GameDayTestSupport
import Testing
@testable import GameDayJournal

@Suite struct RunDirectoryTests {
    // 2026-11-24 01:37:26.900 UTC
    private let date = Date(timeIntervalSince1970: 1_795_484_246.9)

    /// A run directory is named after the UTC start second and the plan, and exposes the layout's files.
    @Test func createsNamedDirectory() throws {
        let runs = try temporaryDirectoryURL("journal").appendingPathComponent("runs")
        defer { try? FileManager.default.removeItem(at: runs.deletingLastPathComponent()) }
        let run = try RunDirectory.create(in: runs, planName: "checkout-node-loss", date: date)
        #expect(run.id == "20261124-013726-checkout-node-loss")
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: run.url.path, isDirectory: &isDir) && isDir.boolValue)
        #expect(run.journalURL.lastPathComponent == "journal.jsonl")
        #expect(run.planCopyURL.lastPathComponent == "plan.yaml")
        #expect(run.postmortemURL.lastPathComponent == "postmortem.md")
        #expect(run.journalURL.deletingLastPathComponent().path == run.url.path)
        #expect(RunDirectory(url: run.url) == run)
    }

    /// Two runs in the same second get `-2`, `-3` instead of sharing a directory.
    @Test func sameSecondGetsSuffix() throws {
        let runs = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: runs) }
        let ids = try (0..<3).map { _ in try RunDirectory.create(in: runs, planName: "demo", date: date).id }
        #expect(ids == ["20261124-013726-demo", "20261124-013726-demo-2", "20261124-013726-demo-3"])
    }

    /// Listing returns runs that have a journal, oldest first, with numeric suffixes in order.
    @Test func listsRunsOldestFirst() throws {
        let runs = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: runs) }
        var created: [RunDirectory] = []
        for offset in [60.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] {
            let run = try RunDirectory.create(in: runs, planName: "demo", date: date.addingTimeInterval(offset))
            _ = FileManager.default.createFile(atPath: run.journalURL.path, contents: Data())
            created.append(run)
        }
        _ = try RunDirectory.create(in: runs, planName: "no-journal", date: date)
        let listed = try RunDirectory.list(in: runs).map(\.id)
        #expect(listed.count == 11)
        #expect(listed.first == "20261124-013726-demo")
        #expect(listed[1] == "20261124-013726-demo-2")
        #expect(listed[9] == "20261124-013726-demo-10")
        #expect(listed.last == "20261124-013826-demo")
        #expect(try RunDirectory.list(in: runs.appendingPathComponent("missing")).isEmpty)
    }

    /// A plan name that would escape the runs directory is refused with a clear error.
    @Test func refusesPathLikePlanNames() throws {
        let runs = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: runs) }
        for name in ["", "..", "a/b", "../x"] {
            #expect(throws: JournalError.invalidPlanName(name)) { try RunDirectory.create(in: runs, planName: name, date: date) }
        }
    }
}
