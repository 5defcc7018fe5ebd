import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// Runs argument vectors on one host through the system OpenSSH client.
///
/// Users' ssh configuration, agents and jump hosts keep working because this is the real `ssh`. Every command is
/// quoted for the remote shell exactly once (`ShellQuote.join`); connection failures (ssh exit 255) are retried
/// with exponential backoff and full jitter; each try is bounded by the command's timeout, after which the client's
/// whole process group is killed. With a control directory, all commands to the host share one master connection.
///
/// A remote command that itself exits 255 cannot be told apart from a connection failure; gameday's host-side
/// scripts never exit 255.
public struct SSHExecutor: CommandExecutor {
    public let builder: SSHCommandBuilder
    public let retry: BackoffPolicy
    public let name: String
    private let jitter: Jitter
    private let logger: Logger
    private let scratchDirectory: String?

    public var label: String { "ssh \(name)" }

    /// - Parameters:
    ///   - name: the target's name (for logs); the host ssh reaches is `builder.host`.
    ///   - seed: seeds the jitter of retry waits (tests pass one to make waits reproducible).
    public init(name: String, builder: SSHCommandBuilder, retry: BackoffPolicy = BackoffPolicy(), seed: UInt64? = nil,
                logger: Logger = Logger(label: "gameday.ssh")) {
        self.name = name
        self.builder = builder
        self.retry = retry
        self.jitter = Jitter(seed: seed)
        self.logger = logger
        self.scratchDirectory = builder.controlDirectory
    }

    /// Runs `argv` on the host; returns its result (any exit code but 255).
    ///
    /// Throws `SSHExecutorError.unreachable` when every try failed to connect, and `.timedOut` when a try ran past
    /// `timeout` (not retried: the command may have run partly).
    public func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult {
        guard !argv.isEmpty else { throw CommandExecutorError("cannot run an empty command on \(name)") }
        let command = builder.command(argv)
        do {
            return try await retrying(retry, clock: SystemRunClock(), jitter: jitter,
                                      isRetryable: { $0 is ConnectionFailed }, onRetry: { failure in
                logger.debug("ssh connection failed; retrying", metadata: [
                    "host": "\(name)", "attempt": "\(failure.attempt + 1)", "wait": "\(failure.wait)", "reason": "\(failure.error)",
                ])
            }) { _ in
                let outcome = try await RemoteProcess.run(command, timeout: timeout, scratchDirectory: scratchDirectory)
                if outcome.timedOut {
                    try Task.checkCancellation()
                    throw SSHExecutorError.timedOut(host: name, timeout: timeout, command: SSHCommandBuilder.remoteLine(argv))
                }
                guard outcome.result.exitCode == 255 else { return outcome.result }
                throw ConnectionFailed(reason: outcome.result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        } catch let exhausted as RetriesExhausted {
            if let failed = exhausted.last as? ConnectionFailed {
                throw SSHExecutorError.unreachable(host: name, address: builder.host, attempts: exhausted.attempts, reason: failed.reason)
            }
            throw exhausted.last
        }
    }

    /// ssh exited 255: it could not connect (or the session broke).
    private struct ConnectionFailed: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// Opens the master connection now, so the first fault does not pay for the handshake.
    public func connect(timeout: TimeSpan = .seconds(20)) async throws {
        let result = try await run(["true"], timeout: timeout)
        guard result.succeeded else {
            throw SSHExecutorError.unreachable(host: name, address: builder.host, attempts: 1, reason: result.stderr)
        }
    }

    /// Ends the master connection (`ssh -O exit`); harmless when there is none.
    public func close() async {
        guard builder.controlDirectory != nil else { return }
        _ = try? await RemoteProcess.run(builder.exitMaster(), timeout: .seconds(5), scratchDirectory: scratchDirectory)
    }
}

/// Why an SSH command did not produce a result.
public enum SSHExecutorError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreachable(host: String, address: String, attempts: Int, reason: String)
    case timedOut(host: String, timeout: TimeSpan, command: String)

    public var description: String {
        switch self {
        case .unreachable(let host, let address, let attempts, let reason):
            let why = reason.isEmpty ? "" : ": \(reason)"
            return "cannot reach \(host) (\(address)) over ssh after \(attempts) attempt(s)\(why). "
                + "Check that the host is up, that `ssh` to it works non-interactively (BatchMode), and that its "
                + "key is in the known_hosts file."
        case .timedOut(let host, let timeout, let command):
            return "ssh command on \(host) did not finish within \(timeout) and was killed: \(command)"
        }
    }
}
