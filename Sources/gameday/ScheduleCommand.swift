import ArgumentParser

// Placeholder owned by another engineer; replaced by the real command.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schedule", shouldDisplay: false)
    func run() async throws { throw ValidationError("not built yet") }
}
