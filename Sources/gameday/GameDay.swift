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
        Exit codes of `run`: 0 hypothesis held, 1 violated, 2 invalid plan, 3 aborted (guardrail or signal), \
        4 a revert failed (a fault may still be active: read the postmortem's banner).
        """,
        version: GameDayVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            ReportCommand.self,
            RecoverCommand.self,
            ProxyCommand.self,
            ScheduleCommand.self,
            DemoCommand.self,
            DemoFleetCommand.self,
        ]
    )

    /// Logs go to stderr (stdout carries results such as the run directory); GAMEDAY_LOG_LEVEL picks the level
    /// (trace, debug, info, notice, warning, error, critical; default warning).
    static func main() async {
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
