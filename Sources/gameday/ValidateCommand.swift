import ArgumentParser
import Foundation
import GameDayCore
import GameDayPlan
import GameDaySchedule
import GameDayCalendar

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check plan files; report every problem as FILE:LINE:COL: error: MESSAGE.",
        discussion: """
        A file whose top level has `scenarios:` and no `steps:` is a `gameday schedule` configuration and is checked \
        as one (with the plans it names). Exit status 0 if every file is valid, 2 if any has an error. Warnings do \
        not fail validation.
        """
    )

    @Argument(help: "Plan files (or scheduler configurations) to check.", completion: .file(extensions: ["yaml", "yml"]))
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            if PlanLoader.documentKind(path: file) == .scheduleConfiguration {
                do {
                    let configuration = try ScheduleConfigurationLoader.load(path: file)
                    // The plans it would run are checked too: a scheduled run must not be the first to find out.
                    var planErrors = 0
                    for scenario in configuration.scenarios {
                        let result = PlanLoader.load(path: scenario.plan)
                        Console.diagnostics(result.diagnostics)
                        planErrors += result.errors.count
                    }
                    let count = configuration.scenarios.count
                    if planErrors == 0 {
                        Console.out("\(file): ok (scheduler configuration: \(count) scenario\(count == 1 ? "" : "s"), plans valid)")
                    } else {
                        failed = true
                        Console.err("\(file): \(planErrors) error\(planErrors == 1 ? "" : "s") in the plans it names")
                    }
                } catch {
                    failed = true
                    Console.diagnostics(error.diagnostics)
                    Console.err("\(file): \(error.diagnostics.count) error\(error.diagnostics.count == 1 ? "" : "s")")
                }
                continue
            }
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
