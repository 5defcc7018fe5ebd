import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// Reverts `.command` recipes whose executor is `.ssh`: used by the composite reverter of a run and by
/// `gameday recover` (which builds its own pool).
///
/// The host-side revert scripts are idempotent and cancel the fault's lease once the revert succeeded (a failed
/// revert leaves the lease armed), so running one twice, or after the lease already fired, is fine. A revert that fails (host unreachable, command error) is retried with
/// exponential backoff and full jitter until `deadline`; then it throws with the command to finish by hand.
public struct RemoteReverter: FaultReverter {
    private let pool: SSHExecutorPool
    private let deadline: TimeSpan
    private let backoff: SSHRetryPolicy
    private let jitter: SSHJitter
    private let logger: Logger

    public init(pool: SSHExecutorPool, deadline: TimeSpan = .seconds(120),
                backoff: SSHRetryPolicy = SSHRetryPolicy(maxAttempts: .max, base: .milliseconds(500), cap: .seconds(8)),
                seed: UInt64? = nil, logger: Logger = Logger(label: "gameday.hosts")) {
        self.pool = pool; self.deadline = deadline; self.backoff = backoff
        self.jitter = SSHJitter(seed: seed ?? UInt64.random(in: 0...UInt64.max))
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
            let clock = ContinuousClock()
            let end = clock.now + deadline.duration
            var attempt = 0
            var lastError = ""
            while true {
                do {
                    let result = try await executor.run(command.argv, timeout: command.timeout)
                    if result.succeeded {
                        let out = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                        return "reverted on \(host)" + (attempt > 0 ? " after \(attempt + 1) attempts" : "")
                            + (out.isEmpty ? "" : ": \(out.replacingOccurrences(of: "\n", with: "; "))")
                    }
                    lastError = "exit \(result.exitCode): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
                } catch let error as CancellationError {
                    throw error
                } catch {
                    lastError = "\(error)"
                }
                let wait = jitter.delay(policy: backoff, attempt: attempt)
                guard clock.now + wait.duration < end else { break }
                logger.warning("revert failed; retrying", metadata: ["host": "\(host)", "attempt": "\(attempt + 1)", "error": "\(lastError)"])
                try await Task.sleep(for: wait.duration)
                attempt += 1
            }
            throw RemoteFaultError("revert on \(host) failed after \(attempt + 1) attempt(s) within \(deadline): \(lastError). "
                + "FAULT STILL ACTIVE until its lease fires; finish by hand: \(recipe.manualInstructions)")
        case .signal, .proxy:
            throw RemoteFaultError("RemoteReverter only reverts ssh commands; route this recipe to its own reverter")
        }
    }
}
