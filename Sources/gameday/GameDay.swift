import ArgumentParser
import GameDayCore

@main
struct GameDay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gameday",
        abstract: "Game days and chaos engineering on Linux: inject faults, watch health, always revert, write the postmortem.",
        version: GameDayVersion.current,
        subcommands: [
            ProxyCommand.self,
            ScheduleCommand.self,
            DemoFleetCommand.self,
        ]
    )
}
