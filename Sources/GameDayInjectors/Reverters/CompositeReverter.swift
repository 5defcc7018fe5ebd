import Foundation
import GameDayCore
import GameDayEngine

/// Carries out any revert recipe: signals and commands through the right executor, proxy recipes through the
/// proxy reverter. Used by the runner and by `gameday recover`. Every branch is idempotent.
public struct CompositeReverter: FaultReverter {
    private let executors: CommandInjector.ExecutorProvider
    private let proxy: (any FaultReverter)?
    private let remote: (any FaultReverter)?

    /// - Parameters:
    ///   - proxy: reverts `.proxy` recipes over the Toxiproxy-compatible API.
    ///   - remote: reverts `.command` recipes whose executor is SSH (host-side scripts, lease cancellation).
    public init(executors: @escaping CommandInjector.ExecutorProvider, proxy: (any FaultReverter)?, remote: (any FaultReverter)? = nil) {
        self.executors = executors; self.proxy = proxy; self.remote = remote
    }

    public func revert(_ recipe: RevertRecipe) async throws -> String? {
        switch recipe {
        case .nothing(let reason):
            return "nothing to revert: \(reason)"
        case .signal(let s):
            return try await signal(s)
        case .command(let c):
            if case .ssh = c.executor, let remote { return try await remote.revert(recipe) }
            let result = try await executors(c.executor).run(c.argv, timeout: c.timeout)
            guard result.succeeded else { throw InjectorError("\(ShellQuote.join(c.argv)) failed: \(result.failureSummary)") }
            return "\(ShellQuote.join(c.argv)) exited 0"
        case .proxy:
            guard let proxy else { throw InjectorError("no proxy client configured to revert \(recipe.manualInstructions)") }
            return try await proxy.revert(recipe)
        }
    }

    private func signal(_ s: SignalRevert) async throws -> String {
        guard let number = Self.signalNumbers[s.signal] else { throw InjectorError("unknown signal \(s.signal)") }
        switch s.executor {
        case .local:
            var done: [String] = []
            for ref in s.processes {
                let current = ProcessTable.startTime(of: ref.pid)
                guard let current, ref.startTime == nil || current == ref.startTime else {
                    done.append("\(ref.pid) is gone")
                    continue
                }
                if kill(ref.pid, number) != 0 && errno != ESRCH {
                    throw InjectorError("kill -\(s.signal) \(ref.pid): \(String(cString: strerror(errno)))")
                }
                done.append("SIG\(s.signal) sent to \(ref.pid)")
            }
            return done.joined(separator: "; ")
        case .ssh:
            let argv = ["kill", "-\(s.signal)"] + s.processes.map { String($0.pid) }
            let result = try await executors(s.executor).run(argv, timeout: .seconds(15))
            // A process that no longer exists needs no SIGCONT.
            guard result.succeeded || result.stderr.contains("No such process") else {
                throw InjectorError("\(ShellQuote.join(argv)) failed: \(result.failureSummary)")
            }
            return "\(ShellQuote.join(argv)) on \(executors(s.executor).label)"
        }
    }

    static let signalNumbers: [String: Int32] = ["CONT": SIGCONT, "KILL": SIGKILL, "TERM": SIGTERM, "STOP": SIGSTOP]
}
