import GameDayCore

/// The result of a command run on a target.
public struct CommandResult: Sendable, Equatable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String

    public init(exitCode: Int32, stdout: String, stderr: String) {
        self.exitCode = exitCode; self.stdout = stdout; self.stderr = stderr
    }

    public var succeeded: Bool { exitCode == 0 }
}

/// Runs argument vectors on one host: locally (`LocalExecutor`) or over SSH (`SSHExecutor`).
///
/// Implementations never pass a plan value through a shell unquoted: local commands are exec'd directly; remote
/// ones are quoted with `ShellQuote.join` exactly once.
public protocol CommandExecutor: Sendable {
    /// A short name for logs and journals (`local`, `ssh web-1`).
    var label: String { get }
    func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult
}

public struct CommandExecutorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
