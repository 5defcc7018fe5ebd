import Foundation
import GameDayCore
import GameDayEngine

/// `command`: runs the user's inject command (argument vector, no shell) on the controller, or on each target
/// through its executor; the revert command, if given, is the recipe.
public struct CommandInjector: FaultInjector {
    public typealias ExecutorProvider = @Sendable (ExecutorRef) -> any CommandExecutor
    private let executors: ExecutorProvider

    public init(executors: @escaping ExecutorProvider) { self.executors = executors }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        guard case .command(let fault) = step.fault else { throw InjectorError("not a command step") }
        let ref = Self.executorRef(for: target)
        let executor = executors(ref)
        let recipe: RevertRecipe = fault.revert.map { .command(CommandRevert(executor: ref, argv: $0, timeout: fault.timeout)) }
            ?? .nothing(reason: "the step gives no revert command")
        let line = ShellQuote.join(fault.inject)
        return PreparedFault(target: target?.name ?? "controller", description: "run \(line) (\(executor.label))", recipe: recipe) {
            let result = try await executor.run(fault.inject, timeout: fault.timeout)
            guard result.succeeded else { throw InjectorError("\(line) failed: \(result.failureSummary)") }
            let out = result.stdout.split(separator: "\n").first.map { ": \($0.prefix(200))" } ?? ""
            return "\(line) exited 0\(out)"
        }
    }

    /// Where a target's commands run.
    public static func executorRef(for target: Target?) -> ExecutorRef {
        guard let target else { return .local }
        switch target.access {
        case .local: return .local
        case .ssh(let access): return .ssh(host: target.address ?? target.name, access: access)
        }
    }
}
