import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// Reverts `.command` recipes whose executor is `.ssh`: used by the composite reverter of a run and by
/// `gameday recover` (which builds its own pool).
///
/// The host-side revert scripts are idempotent and cancel the fault's lease once the revert succeeded (a failed
/// revert leaves the lease armed), so running one twice, or after the lease already fired, is fine. A revert that fails (host unreachable, command error) is retried with
/// exponential backoff and full jitter (`BackoffPolicy`) until `deadline`; then it throws with the command to finish by hand.
public struct RemoteReverter: FaultReverter {
    private let pool: SSHExecutorPool
    private let deadline: TimeSpan
    private let backoff: BackoffPolicy
    private let jitter: Jitter
    private let logger: Logger

    public init(pool: SSHExecutorPool, deadline: TimeSpan = .seconds(120),
                backoff: BackoffPolicy = BackoffPolicy(maxAttempts: .max, base: .milliseconds(500), cap: .seconds(8)),
                seed: UInt64? = nil, logger: Logger = Logger(label: "gameday.hosts")) {
        self.pool = pool; self.deadline = deadline
        var backoff = backoff
        backoff.deadline = deadline
        self.backoff = backoff
        self.jitter = Jitter(seed: seed)
        self.logger = logger
    }

    /// Whether this reverter carries out `recipe`.
    public static func handles(_ recipe: RevertRecipe) -> Bool {
        if case .command(let command) = recipe, case .ssh = command.executor { return true }
        return false
    }

    public func revert(_ recipe: RevertRecipe) async throws -> String? {
        switch recipe {
        case .nothing: return nil
        case .command(let command):
            guard case .ssh(let host, let access) = command.executor else {
                throw RemoteFaultError("RemoteReverter reverts commands run over ssh; this one runs locally")
            }
            let executor = try await pool.executor(host: host, access: access)
            do {
                return try await retrying(backoff, clock: SystemRunClock(), jitter: jitter, onRetry: { failure in
                    logger.warning("revert failed; retrying", metadata: ["host": "\(host)", "attempt": "\(failure.attempt + 1)", "error": "\(failure.error)"])
                }) { attempt in
                    let result = try await executor.run(command.argv, timeout: command.timeout)
                    guard result.succeeded else {
                        throw RemoteFaultError("exit \(result.exitCode): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
                    }
                    let out = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                    return "reverted on \(host)" + (attempt > 0 ? " after \(attempt + 1) attempts" : "")
                        + (out.isEmpty ? "" : ": \(out.replacingOccurrences(of: "\n", with: "; "))")
                }
            } catch let exhausted as RetriesExhausted {
                throw RemoteFaultError("revert on \(host) failed after \(exhausted.attempts) attempt(s) within \(deadline): \(exhausted.last). "
                    + "FAULT STILL ACTIVE until its lease fires; finish by hand: \(recipe.manualInstructions)")
            }
        case .signal, .proxy:
            throw RemoteFaultError("RemoteReverter only reverts ssh commands; route this recipe to its own reverter")
        }
    }
}
