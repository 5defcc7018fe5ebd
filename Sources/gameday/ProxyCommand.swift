import ArgumentParser

// Placeholder owned by another engineer; replaced by the real command.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proxy", shouldDisplay: false)
    func run() async throws { throw ValidationError("not built yet") }
}
