import Foundation
import GameDayTestSupport
import Testing
@testable import GameDayConsole

struct JournalBroadcasterTests {
    /// A subscriber who joins late gets every line so far, then new ones; a half-written line waits for its newline.
    @Test func lateJoinerSeesTheWholeJournal() async throws {
        let dir = try temporaryDirectory("follower")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = URL(fileURLWithPath: dir + "/journal.jsonl")
        try Data("{\"seq\":1}\n{\"seq\":2}\n{\"partial\":\"x".utf8).write(to: url)
        let follower = JournalBroadcaster()
        await follower.follow(url)
        #expect(await follower.poll() == 2)
        var lines = await follower.subscribe().makeAsyncIterator()
        #expect(await lines.next() == .lines([.init("{\"seq\":1}", seq: 1), .init("{\"seq\":2}", seq: 2)]))
        guard case .clock = await lines.next() else { Issue.record("no clock after the snapshot"); return }
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("y\",\"seq\":3}\n".utf8))
        try handle.close()
        #expect(await follower.poll() == 1)
        #expect(await lines.next() == .lines([.init("{\"partial\":\"xy\",\"seq\":3}", seq: 3)]))
        await follower.finish()
        #expect(await lines.next() == nil)
    }

    /// A reconnecting viewer (Last-Event-ID) gets only the lines after the one it saw.
    @Test func resumesAfterLastEventID() async throws {
        let dir = try temporaryDirectory("follower-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = URL(fileURLWithPath: dir + "/journal.jsonl")
        try Data("{\"seq\":1}\n{\"seq\":2}\n{\"seq\":3}\n".utf8).write(to: url)
        let follower = JournalBroadcaster()
        await follower.follow(url)
        await follower.poll()
        await follower.finish()
        var items: [JournalBroadcaster.Item] = []
        for await item in await follower.subscribe(after: 2) { items.append(item) }
        #expect(items.first == .lines([.init("{\"seq\":3}", seq: 3)]))
        #expect(items.filter { if case .batch = $0 { true } else { false } }.count == 1)
    }

    /// Server-sent events carry the journal's seq as their id, so EventSource reconnects resume where they were.
    @Test func sseFraming() {
        // The journal sorts its keys: seq is found wherever it is, not only at the start of the line.
        let line = #"{"body":{"seq":99},"seq":12,"t":5,"text":"\"seq\":7"}"#
        #expect(JournalBroadcaster.seq(of: line) == 12)
        #expect(ConsoleRoutes.sse(.lines([.init(line, seq: 12)])) == "id: 12\nevent: journal\ndata: \(line)\n\n")
        #expect(ConsoleRoutes.sse(.lines([.init("{}", seq: nil), .init(line, seq: 12)])) == "event: journal\ndata: {}\n\nid: 12\nevent: journal\ndata: \(line)\n\n")
        #expect(ConsoleRoutes.sse(.clock(1000)) == "event: clock\ndata: {\"wall\":1000}\n\n")
    }

    /// The runbook is found from run.start exactly as the postmortem resolves it (relative to the plan file).
    @Test func runbookPathFromRunStart() {
        let line = #"{"seq":1,"t":0,"wall":0,"type":"run.start","runbook":"../runbooks/r.md","planFile":"/x/scenarios/p.yaml"}"#
        #expect(ConsoleRoutes.runbookPath(fromFirstLine: line) == "/x/runbooks/r.md")
        #expect(ConsoleRoutes.runbookPath(fromFirstLine: #"{"seq":1,"type":"phase"}"#) == nil)
    }
}
