import Foundation
import GameDayCore
import GameDayFaults
import Testing
@testable import GameDaySchedule

@Suite struct GameDayProcessTests {
    /// `gameday plan --json` output yields the schedule's total length and the plan's health checks.
    @Test func decodesPlanJSON() throws {
        let schedule = Schedule(planName: "p", seed: 1, baseline: .seconds(10), recovery: .seconds(30), steps: [
            ScheduledStep(index: 0, name: "s", fault: .command(CommandFault(inject: ["true"], revert: ["true"])),
                          targets: [], injectAt: .seconds(10), revertAt: .seconds(70)),
        ])
        let plan = Plan(name: "p", health: [HealthCheckSpec(name: "storefront", kind: .tcp(host: "127.0.0.1", port: 80))])
        struct Output: Encodable { var plan: Plan; var schedule: Schedule }
        let data = try JSONEncoder().encode(Output(plan: plan, schedule: schedule))
        let summary = try GameDayProcess.decodePlanJSON(data, plan: "p.yaml")
        #expect(summary.duration == .seconds(100))
        #expect(summary.checks.map(\.name) == ["storefront"])
    }

    /// Garbage output is a clear error naming the plan.
    @Test func rejectsGarbage() {
        #expect(throws: ScheduleRunError.self) { try GameDayProcess.decodePlanJSON(Data("nope".utf8), plan: "p.yaml") }
    }
}
