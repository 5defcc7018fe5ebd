import Foundation
import GameDayCore
import GameDayTestSupport
import Testing
@testable import GameDayJournal

@Suite struct JournalReaderTests {
    private func lines(_ events: [JournalEvent]) throws -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try events.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    /// A last line cut off mid-write is ignored and reported as a torn tail; everything before it is kept.
    @Test func tornLastLineIsTolerated() throws {
        let events = SampleEvents.all
        var text = try lines(events).joined(separator: "\n") + "\n"
        text += "{\"check\":\"storefront\",\"ms\":12.5,\"ok\":tr"
        let contents = JournalReader.decode(Data(text.utf8))
        #expect(contents.events == events)
        #expect(contents.tornTail)
        #expect(contents.skippedLines.isEmpty)
    }

    /// A power loss can leave the tail as NUL bytes; that too is a torn tail.
    @Test func nulFilledTailIsTorn() throws {
        let events = SampleEvents.all
        var data = Data((try lines(events).joined(separator: "\n") + "\n").utf8)
        data.append(Data(repeating: 0, count: 512))
        let contents = JournalReader.decode(data)
        #expect(contents.events == events)
        #expect(contents.tornTail)
    }

    /// A corrupt line in the middle is skipped and its line number reported; reading goes on.
    @Test func corruptMiddleLineIsSkipped() throws {
        let events = SampleEvents.all
        var all = try lines(events)
        all.insert("{\"seq\":99,\"type\":\"no-such-event\",\"t\":1,\"wall\":1}", at: 3)
        all.insert("garbage \u{1}\u{2}", at: 6)
        all.insert("", at: 8)
        let contents = JournalReader.decode(Data((all.joined(separator: "\n") + "\n").utf8))
        #expect(contents.events == events)
        #expect(contents.skippedLines == [4, 7])
        #expect(!contents.tornTail)
    }

    /// An empty journal and a missing journal: the first reads as no events, the second is a clear error.
    @Test func emptyAndMissingFiles() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data())
        #expect(try JournalReader.read(url: url) == JournalContents(events: []))
        let missing = dir.appendingPathComponent("nope.jsonl")
        #expect(throws: JournalError.self) { try JournalReader.read(url: missing) }
    }

    /// Reading a file larger than the read buffer keeps lines that straddle chunk boundaries whole.
    @Test func largeFileAcrossChunks() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let writer = try JournalWriter(url: url)
        var expected: [JournalEvent] = []
        for i in 0..<60_000 {
            let sample = ProbeSample(check: "check-with-a-long-name-\(i % 7)", ok: i % 11 != 0, ms: i % 11 == 0 ? nil : Double(i % 997) / 8,
                                     status: i % 11 == 0 ? nil : 200, error: i % 11 == 0 ? "timeout after 2s" : nil)
            let event = JournalEvent(seq: i + 1, t: Int64(i) * 10, wall: 1_795_000_000_000 + Int64(i) * 10, body: .probe(sample))
            expected.append(event)
            try writer.append(event, sync: false)
        }
        writer.close()
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        #expect(size > 4 << 20)
        let contents = try JournalReader.read(url: url)
        #expect(contents.events == expected)
        #expect(!contents.tornTail && contents.skippedLines.isEmpty)
    }

    /// A real writer process killed with SIGKILL in the middle of a line leaves a journal the reader accepts.
    @Test func journalOfProcessKilledMidWriteIsReadable() throws {
        let dir = try temporaryDirectoryURL("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("journal.jsonl")
        let marker = dir.appendingPathComponent("half-written")
        let events = SampleEvents.all.filter { if case .runEnd = $0.body { return false }; return true }
        let writer = try JournalWriter(url: url)
        for event in events { try writer.append(event, sync: true) }
        writer.close()

        // The child appends the first half of a probe line, says so, and then hangs until it is killed.
        let half = #"{"check":"storefront","ms":12.5,"ok":true,"seq":99,"t":12000,"ty"#
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sh")
        child.arguments = ["-c", #"printf '%s' "$1" >> "$2" && : > "$3" && exec sleep 120"#, "sh", half, url.path, marker.path]
        try child.run()
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() } }

        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: marker.path), child.isRunning, Date() < deadline {
            usleep(20_000)
        }
        #expect(FileManager.default.fileExists(atPath: marker.path), "the child never wrote its half line")
        #expect(kill(child.processIdentifier, SIGKILL) == 0)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(child.terminationStatus == SIGKILL)

        let contents = try JournalReader.read(url: url)
        #expect(contents.events == events)
        #expect(contents.tornTail)
        #expect(contents.skippedLines.isEmpty)
        #expect(!OpenFaults(events: contents.events).hasRunEnd)
    }
}
