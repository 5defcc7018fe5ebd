import Foundation
import GameDayCore
import GameDayEngine
import GameDayFaults
import GameDayInjectors
import GameDayPlan
import Synchronization
import Testing

/// `gameday plan --exact` prints what `gameday run` executes: for every kind that runs commands, the exact inject
/// line equals the argv the ActionInjector hands its executor (recorded, nothing runs).
@Suite struct PreviewParityTests {
    /// Records every argv and reports success.
    final class RecordingExecutor: CommandExecutor {
        let runs = Mutex<[[String]]>([])
        var label: String { "recording" }
        func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult {
            runs.withLock { $0.append(argv) }
            return CommandResult(exitCode: 0, stdout: "", stderr: "")
        }
    }

    static let commandKinds = FaultRegistry.standard.kinds.filter { $0.placement != .proxy && $0.placement != .choice }.map { $0.id }

    @Test(arguments: commandKinds)
    func exactLinesAreWhatRuns(id: String) async throws {
        let kind = try #require(FaultRegistry.standard.kind(id: id))
        // A local target with a systemd unit, so node-loss runs an argv too (a pid file is read at prepare).
        let yaml = FaultRegistryTests.plan(for: kind).replacingOccurrences(of: "pidFile: /nonexistent/gameday-web-1.pid", with: "systemdUnit: web.service")
        let plan = try #require(PlanLoader.load(data: Data(yaml.utf8), file: "\(id).yaml").plan)
        let step = try ScheduleResolver.resolve(plan: plan, seed: 3).steps[0]
        let target = step.targets.first

        let recorder = RecordingExecutor()
        let pool = try SSHExecutorPool()
        let injector = ActionInjector(hosts: RemoteFaultInjector(pool: pool, localExecutor: recorder), signals: LocalNodeLossInjector(executor: recorder),
                                      commands: CommandInjector(executors: { _ in recorder }), proxies: ProxyInjector())
        let prepared = try await injector.prepare(step: step, target: target, context: InjectionContext(runID: "parity"))
        _ = try await prepared.apply()
        await pool.close()

        let preview = try ExecutionPlanner.plan(step: step, target: target, runID: "parity").preview
        let ran = recorder.runs.withLock { $0 }
        #expect(ran.count == 1, "\(id): \(ran)")
        #expect(preview.inject.first == ran.first.map(ShellQuote.join), "\(id): --exact shows\n\(preview.inject)\nbut the injector ran\n\(ran)")
        if case .command(let revert) = prepared.recipe {
            #expect(preview.revert.first == ShellQuote.join(revert.argv), "\(id): the revert line is not the journaled recipe")
        }
    }
}
