import Foundation
import GameDayCore
import GameDayEngine
import GameDayFaults

/// `node-loss` on targets with `access: local`: signals the service's processes (by pid file or pattern), or
/// its systemd unit.
///
/// SIGKILL and SIGTERM leave recovery to the service's supervisor (the postmortem measures how long it took), so
/// their revert recipe is "nothing". SIGSTOP is reverted with SIGCONT, but only to the very same processes (the
/// start time recorded with each pid guards against pid reuse).
public struct LocalNodeLossInjector: FaultInjector {
    private let executor: any CommandExecutor

    public init(executor: any CommandExecutor = LocalExecutor()) { self.executor = executor }

    public func prepare(step: ScheduledStep, target: Target?, context: InjectionContext) async throws -> PreparedFault {
        guard let target else { throw InjectorError("\(step.fault.kindName) needs a target") }
        let action = try FaultRegistry.standard.action(step: step, target: target, runID: context.runID) { InjectorError($0) }
        guard case .signal(let signal) = action else { throw InjectorError("step \(step.name) (\(step.fault.kindName)) does not signal local processes") }
        return try prepare(signal, target: target)
    }

    /// `systemctl kill` for a unit, and its revert (`--`: a unit name can never be read as an option).
    public static func systemdArgv(_ action: SignalAction, unit: String) -> (inject: [String], revert: [String]?) {
        (["systemctl", "kill", "--signal=SIG\(action.signal)", "--", unit],
         action.revertSignal.map { ["systemctl", "kill", "--signal=SIG\($0)", "--", unit] })
    }

    /// Prepares the signals of a `.signal` action on a local target.
    public func prepare(_ action: SignalAction, target: Target) throws -> PreparedFault {
        let process = action.process
        let signal = (rawValue: action.signal, number: action.number)
        if let unit = process.systemdUnit {
            let argv = Self.systemdArgv(action, unit: unit)
            let inject = argv.inject
            let recipe: RevertRecipe = argv.revert.map { .command(CommandRevert(executor: .local, argv: $0)) }
                ?? .nothing(reason: "SIG\(signal.rawValue) to \(unit): recovery is left to systemd")
            return PreparedFault(target: target.name, description: "SIG\(signal.rawValue) to systemd unit \(unit)", recipe: recipe) { [executor] in
                let result = try await executor.run(inject, timeout: .seconds(15))
                guard result.succeeded else { throw InjectorError("\(ShellQuote.join(inject)) failed: \(result.failureSummary)") }
                return "SIG\(signal.rawValue) sent to \(unit)"
            }
        }
        let pids: [Int32]
        let source: String
        if let pidFile = process.pidFile {
            pids = [try ProcessTable.readPidFile(pidFile)]
            source = "pid file \(pidFile)"
        } else if let pattern = process.pattern {
            pids = try ProcessTable.matching(pattern: pattern)
            source = "pattern \(pattern.debugDescription)"
        } else {
            throw InjectorError("target \(target.name) has an empty process selector")
        }
        let refs = pids.compactMap { pid in ProcessTable.startTime(of: pid).map { ProcessRef(pid: pid, startTime: $0) } }
        guard !refs.isEmpty else {
            throw InjectorError("no running process for target \(target.name) (\(source)\(pids.isEmpty ? " matched nothing" : ": pid \(pids.map(String.init).joined(separator: ", ")) is not running"))")
        }
        let pidList = refs.map { String($0.pid) }.joined(separator: ", ")
        let recipe: RevertRecipe = action.revertSignal.map { .signal(SignalRevert(executor: .local, processes: refs, signal: $0)) }
            ?? .nothing(reason: "SIG\(signal.rawValue): recovery is left to the service's supervisor")
        return PreparedFault(target: target.name, description: "SIG\(signal.rawValue) to pid \(pidList) (\(source))", recipe: recipe) {
            var sent: [String] = []
            for ref in refs {
                guard ProcessTable.startTime(of: ref.pid) == ref.startTime else { continue }
                if kill(ref.pid, signal.number) == 0 { sent.append(String(ref.pid)) }
                else if errno != ESRCH { throw InjectorError("kill -\(signal.rawValue) \(ref.pid): \(String(cString: strerror(errno)))") }
            }
            guard !sent.isEmpty else { throw InjectorError("the process(es) \(pidList) exited before the signal was sent") }
            return "SIG\(signal.rawValue) sent to pid \(sent.joined(separator: ", "))"
        }
    }
}
