import ArgumentParser
import GameDayFaults
import GameDayPlan

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of plan format v1, or with --markdown the fault reference.",
        discussion: """
        Both are generated from the fault kinds and the plan decoder's key lists; scenarios/plan.schema.json and the \
        fault reference in scenarios/README.md are their committed copies (a test fails when they are stale). Point an \
        editor at the schema with `# yaml-language-server: $schema=./plan.schema.json` as a plan's first line.
        """
    )

    @Flag(help: "Print the fault reference (Markdown) instead of the schema.")
    var markdown = false

    func run() throws {
        Console.raw(markdown ? FaultReference.markdown(registry: .standard) : PlanSchema.json(registry: .standard))
    }
}
