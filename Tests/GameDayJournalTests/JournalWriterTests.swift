import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDayJournal

@Suite struct JournalWriterTests {
    /// Every event type survives writer → file → reader unchanged.
    @Test func roundTripsEveryEventType() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let writer = try JournalWriter(url: url)
        for event in SampleEvents.all { try writer.append(event, sync: false) }
        writer.close()

        let contents = try JournalReader.read(url: url)
        #expect(contents.events == SampleEvents.all)
        #expect(!contents.tornTail)
        #expect(contents.skippedLines.isEmpty)
        let types = Set(contents.events.map(\.body.type))
        #expect(types.count == 13)
    }

    /// One event is exactly one line, and the same event always encodes to the same bytes (sorted keys, no `\/`).
    @Test func encodingIsOneDeterministicLine() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        var outputs: [Data] = []
        for name in ["a.jsonl", "b.jsonl"] {
            let url = dir.appendingPathComponent(name)
            let writer = try JournalWriter(url: url)
            for event in SampleEvents.all { try writer.append(event, sync: false) }
            writer.close()
            outputs.append(try Data(contentsOf: url))
        }
        #expect(outputs[0] == outputs[1])
        let text = String(decoding: outputs[0], as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == SampleEvents.all.count + 1)
        #expect(lines.last == "")
        #expect(!text.contains("\\/"))
        #expect(text.contains("\"planFile\":\"scenarios/demo.yaml\""))
        #expect(lines[0].hasPrefix("{\"checks\":"))
        // Dictionaries hash in a per-process random order; sorted keys are what makes the bytes reproducible.
        #expect(text.contains("\"tags\":{\"role\":\"web\",\"tier\":\"front\",\"zone\":\"a\"}"))
        #expect(text.contains("\"headers\":{\"X-A\":\"1\",\"X-B\":\"2\"}"))
    }

    /// The fsync path writes durably and the events read back.
    @Test func syncedAppendsReadBack() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let writer = try JournalWriter(url: url)
        for event in SampleEvents.all.prefix(4) { try writer.append(event, sync: true) }
        writer.close()
        #expect(try JournalReader.read(url: url).events == Array(SampleEvents.all.prefix(4)))
    }

    /// Reopening appends after the existing events instead of truncating them.
    @Test func reopeningAppends() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let events = SampleEvents.all
        let first = try JournalWriter(url: url)
        for event in events.prefix(5) { try first.append(event, sync: false) }
        first.close()
        let second = try JournalWriter(url: url)
        for event in events.dropFirst(5) { try second.append(event, sync: true) }
        second.close()
        #expect(try JournalReader.read(url: url).events == events)
    }

    /// Appending to a journal that ends in a torn line starts a fresh line, so only the torn line is lost.
    @Test func appendAfterTornLineStartsNewLine() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let events = SampleEvents.all
        let writer = try JournalWriter(url: url)
        for event in events.prefix(3) { try writer.append(event, sync: false) }
        writer.close()
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":4,\"t\":9".utf8))
        try handle.close()

        let recovering = try JournalWriter(url: url)
        try recovering.append(events[4], sync: true)
        recovering.close()

        let contents = try JournalReader.read(url: url)
        #expect(contents.events == Array(events.prefix(3)) + [events[4]])
        #expect(contents.skippedLines == [4])
        #expect(!contents.tornTail)
    }

    /// Appending after close is a clear error, not a crash or a silent drop.
    @Test func appendAfterCloseThrows() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let writer = try JournalWriter(url: url)
        writer.close()
        writer.close()
        #expect(throws: JournalError.closed(path: url.path)) { try writer.append(SampleEvents.all[0], sync: true) }
    }

    /// A journal in a missing directory fails to open with a message naming the path.
    @Test func openingInMissingDirectoryFails() throws {
        let url = URL(fileURLWithPath: "/nonexistent-gameday-dir/journal.jsonl")
        do {
            _ = try JournalWriter(url: url)
            Issue.record("opening \(url.path) should fail")
        } catch let error as JournalError {
            #expect(error.description.contains("/nonexistent-gameday-dir/journal.jsonl"))
            #expect(error.description.contains("No such file or directory"))
        }
    }

    /// Concurrent appends from many tasks never interleave within a line.
    @Test func concurrentAppendsStayWhole() async throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let writer = try JournalWriter(url: url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for i in 0..<200 {
                        let sample = ProbeSample(check: "check-\(task)", ok: i % 3 != 0, ms: Double(i) / 4)
                        try writer.append(JournalEvent(seq: task * 1000 + i, t: Int64(i), wall: 1, body: .probe(sample)), sync: false)
                    }
                }
            }
            try await group.waitForAll()
        }
        writer.close()
        let contents = try JournalReader.read(url: url)
        #expect(contents.events.count == 1600)
        #expect(contents.skippedLines.isEmpty && !contents.tornTail)
        #expect(Set(contents.events.map(\.seq)).count == 1600)
    }
}
