import ArgumentParser
import Foundation
import GameDayCore
import GameDayPlan

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check plan files; report every problem as FILE:LINE:COL: error: MESSAGE.",
        discussion: "Exit status 0 if every file is valid, 2 if any has an error. Warnings do not fail validation."
    )

    @Argument(help: "Plan files to check.", completion: .file(extensions: ["yaml", "yml"]))
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            let result = PlanLoader.load(path: file)
            Console.diagnostics(result.diagnostics)
            if let plan = result.plan {
                Console.out("\(file): ok (\(plan.name): \(plan.steps.count) step\(plan.steps.count == 1 ? "" : "s"), \(plan.health.count) check\(plan.health.count == 1 ? "" : "s"))")
            } else {
                failed = true
                Console.err("\(file): \(result.errors.count) error\(result.errors.count == 1 ? "" : "s")")
            }
        }
        if failed { throw ExitCode(ExitCodes.invalid) }
    }
}
