import ArgumentParser
import Foundation
import GameDayJournal
import GameDayReport
import GameDaySchedule
import Logging

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Re-render RUN_DIR/postmortem.md from RUN_DIR/journal.jsonl (byte for byte what the run wrote); --html adds postmortem.html.",
        discussion: "The postmortem is a pure function of the journal: nothing live is consulted."
    )

    @Argument(help: "A run directory (runs/<id>/).", completion: .directory)
    var runDirectory: String

    @Flag(help: "Print the postmortem on stdout instead of writing the file.")
    var stdout = false

    @Option(name: .customLong("store"), help: "Read the run from the journal mirrored into this scheduler store (postgres://USER@HOST:PORT/DB); the argument is then a decision id, and the postmortem goes to stdout.")
    var store: String?

    @Flag(help: "Also write RUN_DIR/postmortem.html: the postmortem with its charts inlined, one self-contained file (with --stdout, print the HTML).")
    var html = false

    func run() async throws {
        if let store { return try await reportFromStore(store, decisionID: runDirectory) }
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

extension ReportCommand {
    /// The postmortem of a scheduled run from its mirrored journal, on stdout (there is no run directory to write).
    func reportFromStore(_ url: String, decisionID: String) async throws {
        let contents: JournalContents
        do {
            let location = try PostgresLocation(parsing: url)
            contents = try await PostgresScheduleStore.withStore(location, logger: Logger(label: "gameday.report")) {
                try await $0.mirroredJournal(decisionID: decisionID)
            }
        } catch {
            Console.err("gameday report: error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
        guard !contents.events.isEmpty else {
            Console.err("gameday report: error: no mirrored journal for decision \(decisionID) in \(url); pass a decision id from `gameday schedule history`")
            throw ExitCode(ExitCodes.invalid)
        }
        for line in contents.skippedLines { Console.err("\(decisionID):\(line): warning: unreadable mirrored event skipped") }
        Console.raw(Postmortem.render(contents.events, integrity: JournalIntegrity(tornTail: contents.tornTail, skippedLines: contents.skippedLines)))
    }
}
