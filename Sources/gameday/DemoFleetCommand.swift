import ArgumentParser

// Placeholder owned by another engineer; replaced by the real command.
struct DemoFleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-fleet", shouldDisplay: false)
    func run() async throws { throw ValidationError("not built yet") }
}
