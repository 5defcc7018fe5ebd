import Foundation
import GameDayDemo
import Testing
import GameDayTestSupport

@Suite struct PIDFileTests {
    /// A written pid reads back, with no temporary file left beside it.
    @Test func writesAtomicallyAndReadsBack() throws {
        let directory = try temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/r1.pid"
        try PIDFile.write(4242, to: path)
        #expect(PIDFile.read(path) == 4242)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "4242\n")
        try PIDFile.write(4343, to: path)
        #expect(PIDFile.read(path) == 4343)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["r1.pid"])
    }

    /// Garbage, empty or missing files read as no pid.
    @Test func rejectsInvalidContent() throws {
        let directory = try temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/x.pid"
        #expect(PIDFile.read(path) == nil)
        for content in ["", "abc\n", "-5\n", "0\n", "12 34\n"] {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(PIDFile.read(path) == nil, "'\(content)' read as a pid")
        }
    }

    /// Removal happens only when the file still names the given pid.
    @Test func removesOnlyWhenItNamesThePID() throws {
        let directory = try temporaryDirectory("demo")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/r1.pid"
        try PIDFile.write(100, to: path)
        PIDFile.remove(path, ifItNames: 99)
        #expect(PIDFile.read(path) == 100)
        PIDFile.remove(path, ifItNames: 100)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// Writing into a missing directory fails with an error naming the pid file.
    @Test func reportsUnwritableLocation() {
        #expect(throws: DemoFleetError.self) {
            try PIDFile.write(1, to: "/nonexistent-gameday-dir/r1.pid")
        }
    }
}
