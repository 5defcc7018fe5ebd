import Foundation
import GameDayCore
import Subprocess

/// Runs argument vectors on this machine, exec'd directly (no shell), with a timeout.
public struct LocalExecutor: CommandExecutor {
    public init() {}

    public var label: String { "local" }

    public func run(_ argv: [String], timeout: TimeSpan) async throws -> CommandResult {
        guard let program = argv.first, !program.isEmpty else { throw CommandExecutorError("empty command") }
        let executable: Executable = program.contains("/") ? .path(.init(program)) : .name(program)
        let arguments = Arguments(Array(argv.dropFirst()))
        return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
                // Output beyond the limit makes Subprocess throw, so the limit is generous (commands here are short).
                let result = try await { () async throws -> ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>> in
                    do {
                        return try await Subprocess.run(executable, arguments: arguments, platformOptions: options,
                                                        output: .string(limit: 1 << 22), error: .string(limit: 1 << 22))
                    } catch {
                        throw CommandExecutorError("could not run \(program): \(error)")
                    }
                }()
                let code: Int32
                switch result.terminationStatus {
                case .exited(let c): code = Int32(c)
                case .signaled(let signal): code = 128 + Int32(signal)
                }
                return CommandResult(exitCode: code, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
            }
            group.addTask {
                try await Task.sleep(for: timeout.duration)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            guard let first else { throw CommandExecutorError("\(ShellQuote.join(argv)) timed out after \(timeout)") }
            return first
        }
    }
}

extension CommandResult {
    /// A one-line explanation of a failed command for journals and errors.
    public var failureSummary: String {
        let firstLine = (stderr.isEmpty ? stdout : stderr).split(separator: "\n").first.map(String.init) ?? ""
        return "exit status \(exitCode)" + (firstLine.isEmpty ? "" : ": \(firstLine)")
    }
}
