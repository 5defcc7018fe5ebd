import ArgumentParser
import Foundation
import GameDayJournal
import GameDayReport

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render RUN_DIR/postmortem.md from RUN_DIR/journal.jsonl (byte for byte what the run wrote); --html adds postmortem.html.",
        discussion: "The postmortem is a pure function of the journal: nothing live is consulted."
    )

    @Argument(help: "A run directory (runs/<id>/).", completion: .directory)
    var runDirectory: String

    @Flag(help: "Print the postmortem on stdout instead of writing the file.")
    var stdout = false

    @Flag(help: "Also write RUN_DIR/postmortem.html: the postmortem with its charts inlined, one self-contained file (with --stdout, print the HTML).")
    var html = false

    func run() throws {
        let directory = RunDirectory(url: URL(fileURLWithPath: runDirectory, isDirectory: true))
        guard FileManager.default.fileExists(atPath: directory.journalURL.path) else {
            Console.err("\(runDirectory): error: no journal.jsonl here; pass a run directory such as runs/20261124-101500-my-plan")
            throw ExitCode(ExitCodes.invalid)
        }
        let contents: JournalContents
        do { contents = try JournalReader.read(url: directory.journalURL) } catch {
            Console.err("\(directory.journalURL.path): error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
        if contents.tornTail { Console.err("\(directory.journalURL.path): warning: the last line was torn (the run was killed mid-write); it is ignored") }
        for line in contents.skippedLines { Console.err("\(directory.journalURL.path):\(line):1: warning: unreadable line skipped") }
        let markdown = directory.postmortem(of: contents)
        if stdout { Console.raw(html ? directory.htmlReport(of: contents) : markdown); return }
        try Data(markdown.utf8).write(to: directory.postmortemURL, options: .atomic)
        try directory.writeCharts(of: contents)
        Console.out(directory.postmortemURL.path)
        if html {
            try Data(directory.htmlReport(of: contents).utf8).write(to: directory.htmlReportURL, options: .atomic)
            Console.out(directory.htmlReportURL.path)
        }
    }
}
