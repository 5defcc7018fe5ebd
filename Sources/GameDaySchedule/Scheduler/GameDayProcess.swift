import Foundation
import GameDayCore
import Logging
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What the scheduler needs to know about a plan before deciding: its planned length and its health checks.
public struct PlanSummary: Sendable, Equatable {
    public var duration: TimeSpan
    public var checks: [HealthCheckSpec]

    public init(duration: TimeSpan, checks: [HealthCheckSpec]) { self.duration = duration; self.checks = checks }
}

/// Reads a plan's summary (the real one asks `gameday plan PLAN --json`).
public protocol PlanInspecting: Sendable {
    func inspect(plan: String) async throws -> PlanSummary
}

/// One `gameday run` to carry out.
public struct RunRequest: Sendable, Equatable {
    public var decisionID: String
    public var plan: String
    /// The decision's own folder, passed as `--runs-dir`; the run directory appears inside it.
    public var runsDir: String
    public var seed: UInt64
    /// After SIGTERM, how long the run may take to revert and exit before it is killed.
    public var abortGrace: Duration
    /// The run's `--revert-deadline`: how long it retries a failing revert. Shorter than the grace, so that a run
    /// normally gives up, journals what is still active and exits before it is killed.
    public var revertDeadline: Duration
    /// Where the run mirrors its journal (a PostgreSQL store), passed in its environment; nil: no mirror.
    public var mirror: JournalMirrorTarget?

    public init(decisionID: String, plan: String, runsDir: String, seed: UInt64, abortGrace: Duration, revertDeadline: Duration? = nil) {
        self.decisionID = decisionID; self.plan = plan; self.runsDir = runsDir; self.seed = seed; self.abortGrace = abortGrace
        self.revertDeadline = revertDeadline ?? Self.revertDeadline(forGrace: abortGrace)
    }

    /// The revert deadline that fits an abort grace: the grace minus a margin (a quarter of it, at least 5 s) for
    /// the attempt in flight, the postmortem and the exit; never under 1 s.
    public static func revertDeadline(forGrace grace: Duration) -> Duration {
        let margin = max(grace / 4, .seconds(5))
        return max(grace - margin, .seconds(1))
    }

    /// `--revert-deadline` as `gameday run` reads it.
    var revertDeadlineArgument: String {
        let (seconds, attoseconds) = revertDeadline.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}

/// How a `gameday run` ended.
public struct RunResult: Sendable, Equatable {
    /// The exit code, if it exited.
    public var exitCode: Int32?
    /// The signal that ended it, if one did.
    public var signal: Int32?
    /// The run directory (the last line it printed, or found in the runs folder).
    public var runDir: String?
    /// Why it could not be spawned.
    public var spawnError: String?

    public init(exitCode: Int32? = nil, signal: Int32? = nil, runDir: String? = nil, spawnError: String? = nil) {
        self.exitCode = exitCode; self.signal = signal; self.runDir = runDir; self.spawnError = spawnError
    }
}

/// Starts runs and recoveries (the real one spawns the gameday executable).
public protocol RunLaunching: Sendable {
    /// Runs to the end. Cancelling the calling task sends the run SIGTERM (it reverts and exits), waits up to
    /// `abortGrace`, then SIGKILLs its process group. `onSpawn` receives the child's pid as soon as it exists.
    /// What the run left applied is for the caller to find out from its journal (`RunSettlement`).
    func run(_ request: RunRequest, onSpawn: @escaping @Sendable (Int32) async -> Void) async -> RunResult
    /// `gameday recover RUN_DIR`: reverts what the run's journal shows applied.
    func recover(runDir: String) async -> RecoverOutcome
    /// `gameday recover --store URL DECISION`: reverts what the run's mirrored journal shows applied.
    func recover(mirror: JournalMirrorTarget) async -> RecoverOutcome
}

extension RunLaunching {
    public func recover(mirror: JournalMirrorTarget) async -> RecoverOutcome {
        RecoverOutcome(exitCode: nil, output: "this launcher cannot recover a run from its mirrored journal")
    }
}

/// Spawns the gameday executable for plans, runs and recoveries.
public struct GameDayProcess: PlanInspecting, RunLaunching {
    /// The gameday executable (the daemon's own by default).
    public var executable: String
    public var logger: Logger

    public init(executable: String, logger: Logger) { self.executable = executable; self.logger = logger }

    /// The executable of the running process (`/proc/self/exe`, resolved).
    public static var ownExecutable: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    }

    public func inspect(plan: String) async throws -> PlanSummary {
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(.path(FilePath(executable)), arguments: ["plan", plan, "--json"],
                                              output: .string(limit: 64 << 20), error: .string(limit: 1 << 20))
        } catch {
            throw ScheduleRunError(message: "cannot run `\(executable) plan \(plan) --json`: \(error)")
        }
        guard case .exited(0) = result.terminationStatus else {
            let stderr = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ScheduleRunError(message: "`gameday plan \(plan) --json` failed (\(result.terminationStatus)): \(stderr.prefix(2000))")
        }
        return try Self.decodePlanJSON(Data(result.standardOutput.utf8), plan: plan)
    }

    /// Decodes `gameday plan --json` output: `{"plan": Plan, "schedule": Schedule}`; only the schedule and the
    /// plan's health checks are needed, so other plan fields never break the scheduler.
    public static func decodePlanJSON(_ data: Data, plan: String) throws -> PlanSummary {
        struct Envelope: Decodable {
            struct PlanPart: Decodable { var health: [HealthCheckSpec]? }
            var plan: PlanPart?
            var schedule: Schedule
        }
        do {
            let envelope = try JSONDecoder().decode(Envelope.self, from: data)
            return PlanSummary(duration: envelope.schedule.totalDuration, checks: envelope.plan?.health ?? [])
        } catch {
            throw ScheduleRunError(message: "cannot read `gameday plan \(plan) --json` output: \(error)")
        }
    }

    public func run(_ request: RunRequest, onSpawn: @escaping @Sendable (Int32) async -> Void) async -> RunResult {
        let log = URL(fileURLWithPath: request.runsDir).appendingPathComponent("gameday-run.log").path
        do {
            try FileManager.default.createDirectory(atPath: request.runsDir, withIntermediateDirectories: true)
        } catch {
            return RunResult(spawnError: "cannot create \(request.runsDir): \(error)")
        }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(log), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite, .groupRead])
        } catch {
            return RunResult(spawnError: "cannot open \(log): \(error)")
        }
        var options = PlatformOptions()
        // Its own process group: a Ctrl-C at the daemon's terminal reaches the daemon only, which then aborts the
        // run in order (one SIGTERM, one revert) instead of both racing to react.
        options.processGroupID = 0
        // SIGTERM (to the run only) makes `gameday run` revert everything and exit; only if it does not within the
        // grace is its whole process group killed, so a revert command hanging under it dies with it and cannot
        // race the `gameday recover` that settles the run afterwards. (Leases run in their own sessions: they stay.)
        options.teardownSequence = [
            .send(signal: .terminate, allowedDurationToNextStep: request.abortGrace),
            .send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(5)),
        ]
        let arguments = ["run", request.plan, "--runs-dir", request.runsDir, "--seed", String(request.seed), "--no-input",
                         "--revert-deadline", request.revertDeadlineArgument]
        logger.info("spawning run", metadata: ["decision": "\(request.decisionID)", "argv": "\(([executable] + arguments).joined(separator: " "))"])
        let status: TerminationStatus
        do {
            // The mirror's store, decision and token in the environment (not the argv `ps` shows); the password
            // stays the daemon's own PGPASSWORD or password file, inherited.
            let environment = Environment.inherit.updating(Dictionary(uniqueKeysWithValues: (request.mirror?.environment ?? [:])
                .compactMap { entry in Environment.Key(rawValue: entry.key).map { ($0, Optional(entry.value)) } }))
            let result = try await Subprocess.run(.path(FilePath(executable)), arguments: Arguments(arguments),
                                                  environment: environment, platformOptions: options, input: .none,
                                                  output: .fileDescriptor(fd, closeAfterSpawningProcess: true),
                                                  error: .combinedWithOutput) { execution in
                await onSpawn(execution.processIdentifier.value)
            }
            status = result.terminationStatus
        } catch {
            if Task.isCancelled {
                // Torn down on cancellation (SIGTERM, then SIGKILL after the grace): no exit status to report; what
                // the run left applied is in its journal, which the caller reads.
                return RunResult(runDir: Self.runDirectory(log: log, runsDir: request.runsDir))
            }
            return RunResult(spawnError: "cannot spawn \(executable): \(error)")
        }
        var result = RunResult(runDir: Self.runDirectory(log: log, runsDir: request.runsDir))
        switch status {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        }
        return result
    }

    public func recover(runDir: String) async -> RecoverOutcome {
        logger.notice("running gameday recover", metadata: ["runDir": "\(runDir)"])
        do {
            let result = try await Subprocess.run(.path(FilePath(executable)), arguments: ["recover", runDir],
                                                  input: .none, output: .string(limit: 4 << 20), error: .string(limit: 4 << 20))
            let output = result.standardOutput + result.standardError
            switch result.terminationStatus {
            case .exited(let code): return RecoverOutcome(exitCode: code, output: output)
            case .signaled(let signal): return RecoverOutcome(exitCode: nil, output: "killed by signal \(signal): \(output)")
            }
        } catch {
            return RecoverOutcome(exitCode: nil, output: "cannot run `\(executable) recover \(runDir)`: \(error)")
        }
    }

    public func recover(mirror: JournalMirrorTarget) async -> RecoverOutcome {
        logger.notice("running gameday recover --store", metadata: ["decision": "\(mirror.decisionID)"])
        let environment = Environment.inherit.updating(Dictionary(uniqueKeysWithValues: mirror.environment
            .compactMap { entry in Environment.Key(rawValue: entry.key).map { ($0, Optional(entry.value)) } }))
        let store = mirror.environment[JournalMirrorTarget.storeVariable] ?? mirror.location.description
        do {
            let result = try await Subprocess.run(.path(FilePath(executable)), arguments: ["recover", "--store", store, mirror.decisionID],
                                                  environment: environment, input: .none, output: .string(limit: 4 << 20),
                                                  error: .string(limit: 4 << 20))
            let output = result.standardOutput + result.standardError
            switch result.terminationStatus {
            case .exited(let code): return RecoverOutcome(exitCode: code, output: output)
            case .signaled(let signal): return RecoverOutcome(exitCode: nil, output: "killed by signal \(signal): \(output)")
            }
        } catch {
            return RecoverOutcome(exitCode: nil, output: "cannot run `\(executable) recover --store \(store) \(mirror.decisionID)`: \(error)")
        }
    }

    /// The run directory: the last line the run printed if it is a folder, else the one folder in the runs folder
    /// that holds a journal.
    static func runDirectory(log: String, runsDir: String) -> String? {
        if let text = try? String(contentsOfFile: log, encoding: .utf8),
           let last = text.split(separator: "\n").last.map({ $0.trimmingCharacters(in: .whitespaces) }) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: last, isDirectory: &isDirectory), isDirectory.boolValue {
                return URL(fileURLWithPath: last).standardizedFileURL.path
            }
        }
        return JournalInspector.runDirectories(in: runsDir).last
    }
}

/// A run could not be inspected, started or recovered.
public struct ScheduleRunError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
