import ArgumentParser
import Foundation
import GameDayCore
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a game day: baseline, faults, recovery; health checks throughout; guardrails; always revert; postmortem.",
        discussion: """
        Prints the run directory (runs/<UTC time>-<plan name>/ with plan.yaml, journal.jsonl, postmortem.md) on stdout. \
        SIGINT, SIGTERM or SIGHUP (the terminal or ssh session closed) reverts every applied fault and ends the run; so \
        does losing stdout or stderr (a closed pipe such as `| head` quitting, a hung-up terminal, a log that cannot be \
        written): nobody could watch the run any more. A full disk under the runs directory also ends it, reverted; \
        what the journal or postmortem could not hold is said on stderr, still-active faults first. While it runs at a \
        terminal, type d⏎ when you detect the problem, m⏎ when it is mitigated, n TEXT⏎ for a note: they land on the \
        postmortem's timeline.
        Exit: 0 hypothesis held, 1 violated, 2 invalid plan or the run could not start (nothing applied), 3 aborted \
        (guardrail, signal, lost output, or an incomplete record after a full disk; everything reverted), 4 a revert \
        failed (a fault may still be active).
        """
    )

    @Argument(help: "The plan file.", completion: .file(extensions: ["yaml", "yml"]))
    var file: String

    @Option(help: "Seed for target picks and random faults (default: the plan's seed, else one derived from its name).")
    var seed: UInt64?

    @Option(name: .customLong("runs-dir"), help: "Where run directories are created.")
    var runsDir = "runs"

    @Flag(name: .customLong("dry-run"), help: "Resolve, journal and probe, but apply no fault.")
    var dryRun = false

    @Flag(name: .customLong("confirm-production"), help: "Required to run a plan whose environment is production.")
    var confirmProduction = false

    @Flag(name: .customLong("no-input"), help: "Do not read operator marks from standard input.")
    var noInput = false

    @Flag(name: .customLong("read-marks"), help: "Read operator marks from standard input even when it is not a terminal (e.g. a pipe from a chat bot).")
    var readMarks = false

    @Option(name: .customLong("revert-deadline"), help: "How long a failing revert is retried (with backoff) before the run reports it still active.")
    var revertDeadline = "60s"

    @Flag(name: .customLong("no-preflight"), help: "Skip the preflight that runs during the baseline (hosts reachable, tools and rights, leases, proxy APIs); by default a target that is not ready aborts the run before the first inject.")
    var noPreflight = false

    @Flag(name: .shortAndLong, help: "Print only the run directory.")
    var quiet = false

    @Option(name: .customLong("metrics-listen"), help: "Serve the run's Prometheus metrics (gameday_fault_active, phases, checks, probe durations) on this loopback HOST:PORT.")
    var metricsListen: String?

    @Option(name: .customLong("console"), help: ArgumentHelp("Serve the live game-day page on HOST:PORT (e.g. 127.0.0.1:8080) and print its facilitator, participant and observer links.", valueName: "host:port"))
    var console: String?

    @Flag(name: .customLong("blind"), help: "A blind drill: the terminal, and the console's participants and observers, are not told which fault, step or target is active; diagnoses are judged on the facilitator's page.")
    var blind = false

    func run() async throws {
        guard let deadline = TimeSpan(parsing: revertDeadline), deadline.milliseconds > 0 else {
            throw ValidationError("--revert-deadline must be a duration such as 60s, found '\(revertDeadline)'")
        }
        var options = RunSession.Options(planFile: file, seed: seed, runsDir: runsDir, dryRun: dryRun,
                                         confirmProduction: confirmProduction,
                                         interactive: !noInput && (readMarks || isatty(STDIN_FILENO) == 1),
                                         revertDeadline: deadline, quiet: quiet, metricsListen: metricsListen, preflight: !noPreflight)
        options.console = console
        options.blind = blind
        let result: RunSession.Result
        do {
            result = try await RunSession(options: options, logger: Logger(label: "gameday")).execute()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // Exit 1 means "hypothesis violated"; a run that could not start must not look like one.
            Console.err("gameday: error: \(error)")
            throw ExitCode(ExitCodes.invalid)
        }
        Console.out(result.runDirectory.url.path)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
