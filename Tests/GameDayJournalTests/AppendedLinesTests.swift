import Foundation
import GameDayJournal
import GameDayTestSupport
import Testing

/// Appends `text` to the file at `path` (creating it), as a journal writer does.
private func append(_ text: String, to path: String) throws {
    if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
    let handle = try #require(FileHandle(forWritingAtPath: path))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
    try handle.close()
}

/// A fresh temporary directory and the path of a journal in it (not created yet).
private func scratchJournal(_ name: String) throws -> (directory: String, path: String) {
    let directory = try temporaryDirectory(name)
    return (directory, directory + "/journal.jsonl")
}

private func strings(_ read: AppendedLines.Read) -> [String] { read.lines.map { String(decoding: $0, as: UTF8.self) } }

struct AppendedLinesTests {
    /// A line without its newline stays pending until the newline arrives; then it is read whole, once.
    @Test func partialLineWaitsForItsNewline() throws {
        let (dir, path) = try scratchJournal("appended-partial")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = AppendedLines(path: path)
        let missing = file.read()
        #expect(missing.text.isEmpty && missing.reachedEnd && !missing.restarted)
        #expect(!file.exists)
        try append("{\"seq\":1}\n{\"seq\":", to: path)
        #expect(strings(file.read()) == ["{\"seq\":1}"])
        #expect(file.exists)
        #expect(String(decoding: file.pending, as: UTF8.self) == "{\"seq\":")
        try append("2", to: path)
        #expect(file.read().lines.isEmpty)
        try append("}\n", to: path)
        #expect(strings(file.read()) == ["{\"seq\":2}"])
        #expect(file.pending.isEmpty)
        #expect(file.read().lines.isEmpty)
    }

    /// Several lines that arrive between two reads come back together, in order, each once; `maxBytes` bounds a
    /// read and the next one carries on where it stopped.
    @Test func severalLinesInOneRead() throws {
        let (dir, path) = try scratchJournal("appended-several")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try append("a\nbb\n\nccc\n", to: path)
        var file = AppendedLines(path: path)
        let read = file.read()
        #expect(strings(read) == ["a", "bb", "", "ccc"])
        #expect(read.text == Data("a\nbb\n\nccc\n".utf8))
        #expect(read.reachedEnd)

        var bounded = AppendedLines(path: path)
        let firstPart = bounded.read(maxBytes: 3)
        #expect(strings(firstPart) == ["a"] && !firstPart.reachedEnd)
        #expect(strings(bounded.read()) == ["bb", "", "ccc"])
    }

    /// A file that shrank (truncated and rewritten) is read again from its start, and the read says so.
    @Test func truncatedFileIsReadAgainFromItsStart() throws {
        let (dir, path) = try scratchJournal("appended-truncated")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try append("first run, line one\nfirst run, line two\npart", to: path)
        var file = AppendedLines(path: path)
        #expect(strings(file.read()).count == 2)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.close()
        try append("new\n", to: path)
        let read = file.read()
        #expect(read.restarted)
        #expect(strings(read) == ["new"])
        #expect(file.pending.isEmpty)
        #expect(!file.read().restarted)
    }

    /// With a line limit, a longer line is skipped (also when it spans reads) and the lines around it are kept.
    @Test func overlongLinesAreSkipped() throws {
        let (dir, path) = try scratchJournal("appended-long")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var file = AppendedLines(path: path, maxLineBytes: 4)
        try append("ok\n12345\nfour\nlong", to: path)
        #expect(strings(file.read()) == ["ok", "four"])
        try append("er still\nend\n", to: path)
        #expect(strings(file.read()) == ["end"])
        #expect(file.pending.isEmpty)
    }

    /// What is pending when the writer is gone is handed over once.
    @Test func takePendingHandsOverTheTornTail() throws {
        let (dir, path) = try scratchJournal("appended-tail")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try append("done\ntorn", to: path)
        var file = AppendedLines(path: path)
        _ = file.read()
        #expect(file.takePending() == Data("torn".utf8))
        #expect(file.takePending().isEmpty)
    }
}
