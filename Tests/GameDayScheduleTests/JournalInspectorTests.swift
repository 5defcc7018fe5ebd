import Foundation
import Testing
@testable import GameDaySchedule

@Suite struct JournalInspectorTests {
    /// run.end is found with its status and the faults left active; a torn last line is ignored.
    @Test func findsRunEnd() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, events: [
            #"{"type":"phase","phase":"baseline","attempt":1}"#,
            #"{"type":"run.end","status":"aborted","stillActive":["1.web-2"]}"#,
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

    /// Active faults are injected ones not yet reverted successfully (a failed inject is not active).
    @Test func countsActiveFaults() throws {
        let folder = Fixture.temporaryFolder()
        defer { Fixture.cleanup(folder) }
        let runDir = try Fixture.writeJournal(runsDir: folder.path, events: [
            #"{"type":"inject.begin","faultID":"0.a"}"#,
            #"{"type":"inject.begin","faultID":"0.b"}"#,
            #"{"type":"inject.begin","faultID":"1.c"}"#,
            #"{"type":"inject.end","faultID":"1.c","ok":false}"#,
            #"{"type":"revert.end","faultID":"0.a","ok":true}"#,
            #"{"type":"revert.end","faultID":"0.b","ok":false}"#,
        ])
        #expect(JournalInspector.activeFaults(journal: runDir + "/journal.jsonl") == 1)
        #expect(JournalInspector.state(ofJournal: runDir + "/journal.jsonl") == .unfinished)
    }
}
