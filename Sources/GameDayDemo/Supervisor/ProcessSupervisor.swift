#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle

/// One process the supervisor keeps running.
public struct SupervisedProcess: Sendable, Equatable {
    /// Name used in logs.
    public var name: String
    /// Arguments after the executable path.
    public var arguments: [String]
    /// File that receives the process's stdout and stderr (appended across restarts).
    public var logFile: String
    /// The pid file the process writes, if any: removed when it still names a child that was reaped, so readers
    /// never see the pid of a dead process (which the kernel may hand to an unrelated one).
    public var pidFile: String?

    public init(name: String, arguments: [String], logFile: String, pidFile: String? = nil) {
        self.name = name
        self.arguments = arguments
        self.logFile = logFile
        self.pidFile = pidFile
    }
}

/// Starts processes, watches them, and restarts any that exit after a delay, like systemd's `Restart=always` with
/// `RestartSec=`. A process stopped with SIGSTOP is left alone: it is alive and resumes when continued.
///
/// Runs as a `Service`: on graceful shutdown (or cancellation) it continues (SIGCONT) and terminates (SIGTERM)
/// every child it started, waits up to the grace period, then SIGKILLs what is left and reaps it. It only ever
/// signals pids it spawned and has not yet reaped, so a recycled pid can never be hit.
public actor ProcessSupervisor: Service {
    private let executable: String
    private let processes: [SupervisedProcess]
    private let stopGracePeriod: Duration
    private let pollInterval: Duration
    private let logger: Logger
    private var machine: SupervisorStateMachine
    private let clock = ContinuousClock()

    public init(
        executable: String,
        processes: [SupervisedProcess],
        restartDelay: Duration = .seconds(3),
        stopGracePeriod: Duration = .seconds(3),
        pollInterval: Duration = .milliseconds(50),
        logger: Logger
    ) {
        self.executable = executable
        self.processes = processes
        self.stopGracePeriod = stopGracePeriod
        self.pollInterval = pollInterval
        self.logger = logger
        self.machine = SupervisorStateMachine(childCount: processes.count, restartDelay: restartDelay)
    }

    /// The current pid of each running child, by name.
    public func runningPIDs() -> [String: Int32] {
        var result: [String: Int32] = [:]
        for index in processes.indices {
            if let pid = machine.pid(of: index) { result[processes[index].name] = pid }
        }
        return result
    }

    /// How many times each child was restarted after exiting, by name.
    public func restartCounts() -> [String: Int] {
        Dictionary(uniqueKeysWithValues: zip(processes.map(\.name), machine.restartCounts))
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for index in processes.indices {
                group.addTask { await self.supervise(index) }
            }
            // Returns on graceful shutdown, throws on cancellation: the children are stopped either way.
            try? await gracefulShutdown()
            // Stopping children must finish even when this task was cancelled (its sleeps would end at once), so
            // it runs in a task that does not inherit cancellation, and is awaited right here.
            await Task { await self.stopChildren() }.value
            group.cancelAll()
        }
    }

    /// Keeps child `index` running until the supervisor stops.
    private func supervise(_ index: Int) async {
        var startAt: ContinuousClock.Instant? = clock.now
        while !machine.isFinished(index) {
            if let due = startAt, clock.now >= due, machine.shouldStart(index) {
                startAt = nil
                if case .restart(let delay) = start(index) { startAt = clock.now.advanced(by: delay) }
            }
            if case .restart(let delay) = reap(index) { startAt = clock.now.advanced(by: delay) }
            do { try await Task.sleep(for: pollInterval) } catch { return }
        }
    }

    private func start(_ index: Int) -> SupervisorStateMachine.Decision {
        let process = processes[index]
        let restarting = machine.children[index] == .awaitingRestart
        do {
            let pid = try ChildProcess.spawn(executable: executable, arguments: process.arguments, logFile: process.logFile)
            machine.started(index, pid: pid)
            logger.notice(restarting ? "restarted process" : "started process", metadata: [
                "process": "\(process.name)", "pid": "\(pid)", "restarts": "\(machine.restartCounts[index])",
            ])
            return .keepWaiting
        } catch {
            let decision = machine.startFailed(index)
            logger.error("could not start process", metadata: [
                "process": "\(process.name)", "error": "\(error)", "retryIn": "\(machine.restartDelay)",
            ])
            return decision
        }
    }

    /// Collects a status change of child `index`, if any, and returns what to do about it.
    private func reap(_ index: Int) -> SupervisorStateMachine.Decision {
        guard let pid = machine.pid(of: index), let status = ChildProcess.poll(pid) else { return .keepWaiting }
        let process = processes[index]
        let decision = machine.statusChanged(index, pid: pid, status: status)
        let metadata: Logger.Metadata = ["process": "\(process.name)", "pid": "\(pid)", "status": "\(status)"]
        switch (status, decision) {
        case (.stopped, _):
            logger.notice("process stopped; not restarting it, it resumes when continued", metadata: metadata)
        case (.continued, _):
            logger.notice("process continued", metadata: metadata)
        case (_, .restart(let delay)):
            logger.warning("process exited; restarting after delay", metadata: metadata.merging(
                ["restartIn": "\(delay)"], uniquingKeysWith: { $1 }))
        default:
            logger.info("process exited", metadata: metadata)
        }
        switch status {
        case .exited, .killed, .vanished: removePIDFile(of: process, ifItNames: pid)
        case .stopped, .continued: break
        }
        return decision
    }

    private func removePIDFile(of process: SupervisedProcess, ifItNames pid: Int32) {
        guard let path = process.pidFile else { return }
        PIDFile.remove(path, ifItNames: pid)
    }

    /// Continues and terminates every live child, then kills what outlives the grace period; reaps all of them.
    private func stopChildren() async {
        let pids = machine.beginStopping()
        for pid in pids {
            ChildProcess.send(SIGCONT, to: pid)
            ChildProcess.send(SIGTERM, to: pid)
        }
        if !pids.isEmpty {
            logger.info("stopping processes", metadata: ["pids": "\(pids)", "grace": "\(stopGracePeriod)"])
        }
        await reapAll(until: clock.now.advanced(by: stopGracePeriod))
        let stubborn = machine.livePIDs
        guard !stubborn.isEmpty else { return }
        logger.warning("processes outlived the grace period; killing them", metadata: ["pids": "\(stubborn)"])
        for pid in stubborn { ChildProcess.send(SIGKILL, to: pid) }
        await reapAll(until: clock.now.advanced(by: .seconds(5)))
        if !machine.livePIDs.isEmpty {
            logger.error("processes did not die after SIGKILL", metadata: ["pids": "\(machine.livePIDs)"])
        }
    }

    private func reapAll(until deadline: ContinuousClock.Instant) async {
        while !machine.livePIDs.isEmpty, clock.now < deadline {
            for index in processes.indices { _ = reap(index) }
            if machine.livePIDs.isEmpty { return }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
