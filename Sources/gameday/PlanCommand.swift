import ArgumentParser
import Foundation
import GameDayCore
import GameDayEngine
import GameDayInjectors
import GameDayPlan

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the resolved schedule of a plan: which targets each step hits, when each inject and revert happens, and the exact actions. Touches nothing."
    )

    @Argument(help: "The plan file.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: "Seed for target picks and random faults (default: the plan's seed, else one derived from its name).")
    var seed: UInt64?

    @Flag(help: "Print JSON: {\"plan\": ..., \"schedule\": ...}.")
    var json = false

    @Flag(help: "Print the exact, copy-pasteable command lines each step runs (default: what it does, its lease and its revert).")
    var exact = false

    func run() throws {
        let (plan, schedule) = try PlanCommand.resolve(file: file, seed: seed)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Output: Encodable { var plan: Plan; var schedule: Schedule; var totalDuration: TimeSpan }
            let data = try encoder.encode(Output(plan: plan, schedule: schedule, totalDuration: schedule.totalDuration))
            Console.out(String(decoding: data, as: UTF8.self))
            return
        }
        Console.out(ScheduleText.render(plan: plan, schedule: schedule, exact: exact))
    }

    /// Loads, validates and resolves a plan, printing diagnostics; exit 2 on errors.
    static func resolve(file: String, seed: UInt64?) throws -> (Plan, Schedule) {
        let result = PlanLoader.load(path: file)
        Console.diagnostics(result.diagnostics)
        guard var plan = result.plan else { throw ExitCode(ExitCodes.invalid) }
        let effectiveSeed = seed ?? plan.seed ?? defaultSeed(for: plan.name)
        plan.seed = effectiveSeed
        do {
            var schedule = try ScheduleResolver.resolve(plan: plan, seed: effectiveSeed)
            for index in schedule.steps.indices {
                schedule.steps[index].preview = ExecutionPlanner.previews(step: schedule.steps[index], runID: "<run>")
            }
            return (plan, schedule)
        } catch {
            Console.err("\(file): error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
    }

    /// Without a seed, the plan's name decides (so `plan` and `run` agree by default; pass --seed to vary).
    static func defaultSeed(for name: String) -> UInt64 {
        var generator = SeededGenerator(seed: 0, stream: "plan:\(name)")
        return generator.next() % 1_000_000
    }
}

/// The human rendering of a schedule.
enum ScheduleText {
    static func render(plan: Plan, schedule: Schedule, exact: Bool = false) -> String {
        var lines: [String] = []
        lines.append("plan \(plan.name) (\(plan.environment.rawValue)), seed \(schedule.seed)")
        if let description = plan.description { lines.append("  \(description)") }
        lines.append("baseline \(schedule.baseline), chaos until T+\(schedule.chaosEnd), recovery \(schedule.recovery): total \(schedule.totalDuration)")
        lines.append("health checks: " + (plan.health.isEmpty ? "none" : plan.health.map { "\($0.name) every \($0.interval)" }.joined(separator: ", ")))
        if !plan.guardrails.isEmpty { lines.append("guardrails: " + plan.guardrails.map(\.summary).joined(separator: "; ")) }
        if let alerts = plan.alerts {
            var sources: [String] = []
            if let webhook = alerts.webhook { sources.append("webhooks on \(webhook)") }
            if let api = alerts.alertmanager { sources.append("Alertmanager API \(api) every \(alerts.pollInterval)") }
            let matching = alerts.matchers.isEmpty ? "every alert" : "alerts matching " + alerts.matchers.map(\.description).joined(separator: ", ")
            lines.append("alerts: \(matching), from " + sources.joined(separator: " and "))
        }
        lines.append("")
        for action in schedule.actions {
            let step = schedule.steps[action.stepIndex]
            let verb = action.kind == .inject ? "inject" : "revert"
            var head = "T+\(action.at)  \(verb) \(step.name): \(step.fault.kindName)"
            if let random = step.randomFrom { head += " (random pick from \(random.joined(separator: ", ")))" }
            if let proxy = step.proxy { head += " via proxy \(proxy.name)" }
            if !step.targets.isEmpty { head += " on \(step.targets.map(\.name).joined(separator: ", "))" }
            lines.append(head)
            for preview in step.preview {
                let commands = exact ? (action.kind == .inject ? preview.inject : preview.revert)
                    : (action.kind == .inject ? preview.summary : preview.revertSummary)
                for command in commands { lines.append("    \(preview.target): \(command)") }
            }
        }
        return lines.joined(separator: "\n")
    }
}
