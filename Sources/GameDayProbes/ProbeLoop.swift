import CCurl
import Foundation
import GameDayCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The probe thread: one libcurl multi handle drives every HTTP, TCP and Prometheus check, and the same `curl_multi_poll` also
/// waits on command checks' pipes and pidfds. Scheduling decisions come from ``ProbeScheduleStateMachine``.
///
/// `@unchecked Sendable` is sound because: all probe state (`probes`, `schedule`) is created, read and written only
/// on the probe thread (inside `runLoop`); the only members other threads touch are `state`, a `Mutex`, and `multi`,
/// on which other threads call only `curl_multi_wakeup` — documented thread-safe — and only while holding `state`'s
/// lock and seeing a state in which the probe thread has not yet freed the handle (it frees it after setting
/// `.finished` under the same lock).
final class ProbeLoop: @unchecked Sendable {
    private enum State {
        /// Created; the thread may or may not have started.
        case running
        /// Someone asked to stop; the thread will notice at its next wake-up.
        case stopRequested
        /// The thread freed the multi handle; waking it is no longer allowed.
        case finished
    }

    private enum Probe {
        case http(HTTPProbe)
        case tcp(TCPProbe)
        case command(CommandProbe)
        case prometheus(PrometheusProbe)
    }

    private let state = Mutex(State.running)
    private let multi: UnsafeMutableRawPointer
    private let specs: [HealthCheckSpec]
    private let configuration: ProbeRunner.Configuration
    private let logger: Logger
    private let sink: @Sendable (ProbeSample) -> Void
    private var probes: [Probe] = []
    private var schedule: ProbeScheduleStateMachine?

    init(checks: [HealthCheckSpec], configuration: ProbeRunner.Configuration, logger: Logger,
         sink: @escaping @Sendable (ProbeSample) -> Void) throws {
        let initCode = ccurl_global_init_once()
        guard initCode == CURLE_OK else {
            throw ProbeError.curl("curl_global_init failed: \(String(cString: curl_easy_strerror(initCode)))")
        }
        guard let multi = curl_multi_init() else { throw ProbeError.curl("curl_multi_init failed (out of memory?)") }
        self.multi = multi
        specs = checks
        self.configuration = configuration
        self.logger = logger
        self.sink = sink
    }

    /// Starts the probe thread; `completion` is called on it once everything is freed.
    func start(completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        let thread = Thread { [self] in
            completion(self.runLoop())
        }
        thread.name = "gameday-probes"
        thread.start()
    }

    /// Asks the probe thread to stop and wakes it; safe from any thread, any number of times.
    func requestStop() {
        state.withLock { state in
            guard case .running = state else { return }
            state = .stopRequested
            curl_multi_wakeup(multi)
        }
    }

    private var stopRequested: Bool {
        state.withLock { state in
            if case .running = state { return false }
            return true
        }
    }

    private func runLoop() -> Result<Void, any Error> {
        defer { tearDown() }
        do {
            try createProbes()
        } catch {
            return .failure(error)
        }
        let intervals = specs.map { $0.interval.milliseconds * 1_000_000 }
        var schedule = ProbeScheduleStateMachine(intervals: intervals, origin: Self.now(),
                                                 staggerWindow: configuration.staggerWindow.milliseconds * 1_000_000)
        logger.debug("probe loop started", metadata: ["checks": "\(specs.count)"])
        var waitDescriptors: [curl_waitfd] = []
        while !stopRequested {
            var running: Int32 = 0
            let performCode = curl_multi_perform(multi, &running)
            guard performCode == CURLM_OK else {
                return .failure(ProbeError.curl("curl_multi_perform: \(String(cString: curl_multi_strerror(performCode)))"))
            }
            collectTransfers(&schedule)
            let now = Self.now()
            serviceCommands(now: now, &schedule)
            for action in schedule.tick(now: now) {
                switch action {
                case let .start(check, _):
                    startProbe(check, now: now, &schedule)
                case let .skip(check, count):
                    logger.debug("skipped probe slots: the previous probe is still running",
                                 metadata: ["check": "\(specs[check].name)", "slots": "\(count)"])
                }
            }
            let timeout = pollTimeout(now: Self.now(), schedule: schedule)
            waitDescriptors.removeAll(keepingCapacity: true)
            for case let .command(probe) in probes {
                for fd in probe.pollDescriptors {
                    waitDescriptors.append(curl_waitfd(fd: fd, events: Int16(CURL_WAIT_POLLIN), revents: 0))
                }
            }
            let pollCode = waitDescriptors.withUnsafeMutableBufferPointer { buffer in
                curl_multi_poll(multi, buffer.baseAddress, UInt32(buffer.count), timeout, nil)
            }
            guard pollCode == CURLM_OK else {
                return .failure(ProbeError.curl("curl_multi_poll: \(String(cString: curl_multi_strerror(pollCode)))"))
            }
        }
        logger.debug("probe loop stopping", metadata: ["checks": "\(specs.count)"])
        return .success(())
    }

    private func createProbes() throws {
        for (index, spec) in specs.enumerated() {
            switch spec.kind {
            case let .http(check):
                probes.append(.http(try HTTPProbe(index: index, spec: spec, check: check, configuration: configuration)))
            case let .tcp(host, port):
                probes.append(.tcp(TCPProbe(index: index, spec: spec, host: host, port: port)))
            case let .command(argv):
                probes.append(.command(CommandProbe(spec: spec, argv: argv, outputLimit: configuration.maxCommandOutputBytes)))
            case let .prometheus(check):
                probes.append(.prometheus(try PrometheusProbe(index: index, spec: spec, check: check, configuration: configuration)))
            }
        }
    }

    private func startProbe(_ index: Int, now: Int64, _ schedule: inout ProbeScheduleStateMachine) {
        let failure: ProbeSample?
        switch probes[index] {
        case let .http(probe): failure = probe.start(multi: multi)
        case let .tcp(probe): failure = probe.start(multi: multi)
        case let .command(probe): failure = probe.start(now: now)
        case let .prometheus(probe): failure = probe.start(multi: multi)
        }
        if let failure {
            schedule.finished(check: index)
            sink(failure)
        }
    }

    private func collectTransfers(_ schedule: inout ProbeScheduleStateMachine) {
        var easy: UnsafeMutableRawPointer?
        var result = CURLE_OK
        while ccurl_multi_next_done(multi, &easy, &result) != 0 {
            guard let easy, let index = Curl.index(of: easy), probes.indices.contains(index) else {
                logger.warning("libcurl reported a transfer the probe loop does not know; ignoring it")
                continue
            }
            let sample: ProbeSample
            switch probes[index] {
            case let .http(probe):
                sample = probe.finish(multi: multi, result: result).judgingSpeed(slowerThan: specs[index].slowerThan)
            case let .tcp(probe):
                sample = probe.finish(multi: multi, result: result).judgingSpeed(slowerThan: specs[index].slowerThan)
            case let .prometheus(probe): sample = probe.finish(multi: multi, result: result)
            case .command: continue
            }
            schedule.finished(check: index)
            sink(sample)
        }
    }

    private func serviceCommands(now: Int64, _ schedule: inout ProbeScheduleStateMachine) {
        for (index, probe) in probes.enumerated() {
            guard case let .command(command) = probe, command.isRunning, let sample = command.service(now: now) else { continue }
            schedule.finished(check: index)
            sink(sample)
        }
    }

    /// Milliseconds until the next slot or command deadline (libcurl lowers it further for its own timers).
    private func pollTimeout(now: Int64, schedule: ProbeScheduleStateMachine) -> Int32 {
        var deadline = schedule.nextDeadline ?? Int64.max
        var exitPolling = false
        for case let .command(probe) in probes {
            if let commandDeadline = probe.deadline { deadline = min(deadline, commandDeadline) }
            exitPolling = exitPolling || probe.needsExitPolling
        }
        // Round up so the loop does not wake a hair early and spin; cap at 1 s as a backstop against lost wake-ups.
        let remaining = deadline == Int64.max ? Int64.max : max(0, (deadline - now + 999_999) / 1_000_000)
        return Int32(min(remaining, exitPolling ? 20 : 1000))
    }

    private func tearDown() {
        state.withLock { $0 = .finished }
        for probe in probes {
            switch probe {
            case let .http(probe): probe.close(multi: multi)
            case let .tcp(probe): probe.close(multi: multi)
            case let .command(probe): probe.stop()
            case let .prometheus(probe): probe.close(multi: multi)
            }
        }
        probes.removeAll()
        curl_multi_cleanup(multi)
        logger.debug("probe loop stopped; every handle freed")
    }

    private static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
