import Foundation
import GameDayCore
import Testing
@testable import GameDaySchedule

@Suite struct JournalInspectorTests {
    /// run.end is found with its status and the faults the journal shows still applied; a torn last line is ignored.
    @Test func findsRunEnd() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [
            .phase(PhaseChange(phase: .baseline)),
            Fixture.injectBegin("1.web-2", target: "web-2"),
            .revertEnd(FaultOutcome(faultID: "1.web-2", ok: false, error: "gave up")),
            .runEnd(RunEnd(status: .aborted, stillActive: ["1.web-2"])),
        ])
        let journal = runDir + "/journal.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":3,"t":5,"wa"#.utf8))
        try handle.close()
        #expect(JournalInspector.state(ofJournal: journal) == .finished(status: "aborted", stillActive: ["1.web-2"]))
        #expect(JournalInspector.state(ofRunsDir: folder.path).0 == .finished(status: "aborted", stillActive: ["1.web-2"]))
        #expect(JournalInspector.state(ofRunsDir: folder.appendingPathComponent("none").path).0 == .noRun)
    }

    /// Active faults follow `OpenFaults`: injected and not reverted successfully (a failed inject may have half
    /// applied, so it counts until reverted).
    @Test func countsActiveFaults() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [
            Fixture.injectBegin("0.a"),
            Fixture.injectBegin("0.b"),
            Fixture.injectBegin("1.c"),
            .injectEnd(FaultOutcome(faultID: "1.c", ok: false, error: "timeout")),
            .revertEnd(FaultOutcome(faultID: "0.a", ok: true)),
            .revertEnd(FaultOutcome(faultID: "0.b", ok: false, error: "ssh: refused")),
        ])
        #expect(JournalInspector.activeFaults(journal: runDir + "/journal.jsonl") == 2)
        #expect(JournalInspector.state(ofJournal: runDir + "/journal.jsonl") == .unfinished)
    }

    /// The follower reads only what was appended, keeps a half-written line for later, and sees a revert land.
    @Test func followsAppends() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, bodies: [Fixture.injectBegin("0.a")])
        let journal = runDir + "/journal.jsonl"
        var follower = JournalFollower(path: journal)
        follower.advance()
        #expect(follower.openFaults.faults.map(\.faultID) == ["0.a"])
        let line = try JSONEncoder().encode(JournalEvent(seq: 2, t: 1, wall: 0, body: .revertEnd(FaultOutcome(faultID: "0.a", ok: true))))
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(line.prefix(10))
        follower.advance()
        #expect(follower.openFaults.faults.count == 1)
        handle.write(line.dropFirst(10) + Data([UInt8(ascii: "\n")]))
        try handle.close()
        follower.advance()
        #expect(follower.openFaults.isEmpty)
        #expect(follower.runEnd == nil)
    }

    /// A long run's journal (larger than any read cap, nearly all probe lines) still yields the run.end at its end.
    @Test func findsRunEndAfterALongJournal() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, events: [
            #"{"type":"phase","phase":"baseline","attempt":1}"#,
        ])
        let journal = runDir + "/journal.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        // 72 MiB of probe samples: more than the 64 MiB the scheduler used to read.
        var block = Data()
        for index in 0..<512 {
            block.append(Data(#"{"seq":2,"t":\#(index),"wall":0,"type":"probe","check":"storefront","ok":true,"ms":1.25,"status":200}"#.utf8))
            block.append(UInt8(ascii: "\n"))
        }
        var written = 0
        while written < 72 << 20 { handle.write(block); written += block.count }
        handle.write(Data(#"{"seq":3,"t":9,"wall":0,"type":"run.end","status":"completed","stillActive":[]}"#.utf8 + [UInt8(ascii: "\n")]))
        try handle.close()
        #expect(JournalInspector.state(ofJournal: journal) == .finished(status: "completed", stillActive: []))
    }
}
