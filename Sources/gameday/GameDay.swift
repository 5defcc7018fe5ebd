import ArgumentParser
import Foundation
import GameDayCore
import Logging

@main
struct GameDay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gameday",
        abstract: "Game days and chaos engineering on Linux: inject faults, watch health, always revert, write the postmortem.",
        discussion: """
        Exit codes of `run`: 0 hypothesis held, 1 violated, 2 invalid plan or nothing touched, 3 aborted (guardrail, \
        SIGINT/SIGTERM/SIGHUP, a closed stdout/stderr, a full disk: everything reverted), 4 a revert failed (a fault may \
        still be active: read the postmortem's banner or stderr). `recover`: 0 nothing left applied, 4 a fault may \
        still be active, 5 a run was skipped because another gameday process holds its lock.
        """,
        version: GameDayVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            SchemaCommand.self,
            PreflightCommand.self,
            RunCommand.self,
            ReportCommand.self,
            RecoverCommand.self,
            ProxyCommand.self,
            ScheduleCommand.self,
            DemoCommand.self,
            DemoFleetCommand.self,
            ConsoleCommand.self,
        ]
    )

    /// Logs go to stderr (stdout carries results such as the run directory); GAMEDAY_LOG_LEVEL picks the level
    /// (trace, debug, info, notice, warning, error, critical; default warning).
    ///
    /// SIGPIPE is ignored: a closed stdout or stderr (`gameday run plan.yaml 2>&1 | head`) must show up as a failed
    /// write that `Console` handles (a run reverts everything and exits 3), never kill the process with faults
    /// applied. Processes gameday spawns get the default disposition back (the spawners reset it).
    static func main() async {
        Console.ensureStandardDescriptors()
        signal(SIGPIPE, SIG_IGN)
        let level = ProcessInfo.processInfo.environment["GAMEDAY_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
