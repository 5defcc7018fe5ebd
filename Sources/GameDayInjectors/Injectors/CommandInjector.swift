import Foundation
import GameDayCore
import GameDayEngine
import GameDayFaults

/// `command`: runs the user's inject command (argument vector, no shell) on the controller, or on each target
/// through its executor; the revert command, if given, is the recipe.
///
/// Where the step has a revert, inject and revert of one fault are serialized where they run, by `flock` on a lock
/// file in the private state directory, and the inject is bounded there (`timeout -k`): an inject that outlives a
/// SIGKILLed controller finishes (or is stopped) before `gameday recover`'s revert runs, never after it.
public struct CommandInjector: FaultInjector {
    public typealias ExecutorProvider = @Sendable (ExecutorRef) -> any CommandExecutor
    private let executors: ExecutorProvider

    public init(executors: @escaping ExecutorProvider) { self.executors = executors }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        let action = try FaultRegistry.standard.action(step: step, target: target, runID: context.runID) { InjectorError($0) }
        guard case .command(let command) = action else { throw InjectorError("step \(step.name) (\(step.fault.kindName)) is not a command") }
        return prepare(command, step: step, target: target, context: context)
    }

    /// Prepares a `.command` action on the controller (no target) or a target.
    public func prepare(_ fault: CommandAction, step: ScheduledStep, target: Target?, context: InjectionContext) -> PreparedFault {
        let ref = ExecutorRef(target: target)
        let executor = executors(ref)
        let lock = ActionContext(step: step, target: target, runID: context.runID).leaseName
        let argv = Self.argv(for: fault, lock: lock)
        let recipe: RevertRecipe = argv.revert.map {
            .command(CommandRevert(executor: ref, argv: $0, timeout: fault.timeout))
        } ?? .nothing(reason: "the step gives no revert command")
        let inject = argv.inject
        let line = ShellQuote.join(fault.inject)
        return PreparedFault(target: target?.name ?? "controller", description: "run \(line) (\(executor.label))", recipe: recipe) {
            let result = try await executor.run(inject, timeout: fault.timeout)
            guard result.succeeded else { throw InjectorError("\(line) failed: \(result.failureSummary)") }
            let out = result.stdout.split(separator: "\n").first.map { ": \($0.prefix(200))" } ?? ""
            return "\(line) exited 0\(out)"
        }
    }

    /// The argument vectors run for a command fault: with a revert, both serialized under the fault's lock `lock`
    /// (and the inject bounded); without, the inject as given. `gameday plan --exact` prints these.
    public static func argv(for fault: CommandAction, lock: String) -> (inject: [String], revert: [String]?) {
        guard let revert = fault.revert else { return (fault.inject, nil) }
        let bound = HostBound(commandTimeout: fault.timeout)
        return (serialized(inject: fault.inject, lock: lock, bound: bound), serialized(revert: revert, lock: lock, bound: bound))
    }

    /// The inject under the fault's lock, bounded where it runs; refused (exit 70) when the private state directory
    /// is unsafe, and exit 75 when the lock stays busy.
    static func serialized(inject argv: [String], lock: String, bound: HostBound) -> [String] {
        let script = [
            HostScript.stateDirectory,
            HostScript.require("timeout", hint: "gameday bounds a command fault's inject with timeout (coreutils)"),
            HostScript.require("flock", hint: "gameday serializes a command fault's inject and revert with flock (util-linux)"),
            "exec \(bound.prefix) flock -o -w \(bound.seconds) -E \(RemoteExitCode.busy) \"$d\"/\(ShellQuote.quote(lock + ".lock")) \"$@\"",
        ].joined(separator: "\n")
        return ["sh", "-c", script, "gameday-command"] + argv
    }

    /// The revert under the fault's lock (it waits for an inject still running); never refused: without a usable
    /// state directory or the tools it runs unlocked.
    static func serialized(revert argv: [String], lock: String, bound: HostBound) -> [String] {
        let script = [
            "d=$(\(HostScript.stateDirectory)\necho \"$d\") || d=",
            "l=\"$d\"/\(ShellQuote.quote(lock + ".lock"))",
            "if [ -n \"$d\" ] && command -v timeout >/dev/null 2>&1 && command -v flock >/dev/null 2>&1; then",
            "\(bound.prefix) flock -o -w \(bound.seconds) -E \(RemoteExitCode.busy) \"$l\" \"$@\"; rc=$?",
            // Reverted: nothing will take this fault's lock again.
            "[ \"$rc\" -ne 0 ] || rm -f \"$l\"",
            "exit \"$rc\"",
            "fi",
            "exec \"$@\"",
        ].joined(separator: "\n")
        return ["sh", "-c", script, "gameday-command-revert"] + argv
    }
}
