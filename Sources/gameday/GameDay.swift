import ArgumentParser
import GameDayCore

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
}
