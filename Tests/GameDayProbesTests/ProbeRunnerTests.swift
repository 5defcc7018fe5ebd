import Foundation
import GameDayCore
import GameDayEngine
@testable import GameDayProbes
import Logging
import Synchronization
import GameDayTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Collects samples from the probe thread.
final class SampleCollector: Sendable {
    private let storage = Mutex<[ProbeSample]>([])
    func append(_ sample: ProbeSample) { storage.withLock { $0.append(sample) } }
    var samples: [ProbeSample] { storage.withLock { $0 } }
}

/// What one bounded run of the runner produced.
struct ProbeRun {
    var samples: [ProbeSample]
    /// Wall time from starting the runner until it returned.
    var elapsed: Duration
    /// Wall time from cancelling the runner until it returned.
    var stopTime: Duration
    func of(_ check: String) -> [ProbeSample] { samples.filter { $0.check == check } }
}

/// Runs `checks` until `done` holds for the samples so far (or `deadline` passes), then cancels and waits.
func runProbes(_ checks: [HealthCheckSpec], configuration: ProbeRunner.Configuration = .init(staggerWindow: .milliseconds(50)),
               deadline: Duration = .seconds(30),
               until done: @escaping @Sendable ([ProbeSample]) -> Bool) async throws -> ProbeRun {
    let collector = SampleCollector()
    let runner = ProbeRunner(configuration: configuration, logger: Logger(label: "gameday.probes.test"))
    let clock = ContinuousClock()
    let started = clock.now
    var cancelledAt = started
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await runner.run(checks: checks, sink: { collector.append($0) }) }
        while !done(collector.samples), clock.now - started < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        cancelledAt = clock.now
        group.cancelAll()
        try await group.waitForAll()
    }
    let ended = clock.now
    return ProbeRun(samples: collector.samples, elapsed: ended - started, stopTime: ended - cancelledAt)
}

func httpCheck(_ name: String, _ url: String, expect: [Int] = [200], body: String? = nil, method: String = "GET",
               headers: [String: String] = [:], interval: TimeSpan = .milliseconds(200),
               timeout: TimeSpan = .seconds(5)) -> HealthCheckSpec {
    HealthCheckSpec(name: name, kind: .http(HTTPCheck(url: url, method: method, expectStatus: expect, bodyContains: body,
                                                      headers: headers)),
                    interval: interval, timeout: timeout)
}

func commandCheck(_ name: String, _ argv: [String], interval: TimeSpan = .milliseconds(200),
                  timeout: TimeSpan = .seconds(10)) -> HealthCheckSpec {
    HealthCheckSpec(name: name, kind: .command(argv: argv), interval: interval, timeout: timeout)
}

func openDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// This process's open descriptors and what they point at, for leak reports.
func openDescriptors() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return names.compactMap { name in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)")).map { "\(name) -> \($0)" }
    }.sorted()
}

/// Whether `pid` is still a live (not zombie, not gone) process.
func isAlive(_ pid: pid_t) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// Serialized: some tests count this process's open descriptors, which parallel probes would disturb.
@Suite(.serialized) struct ProbeRunnerTests {
    /// A response with an expected status is a healthy sample carrying the status and total time.
    @Test func statusMatch() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("web", server.url("/health"))]) { $0.count >= 2 }
        let sample = try #require(run.samples.first)
        #expect(sample.check == "web")
        #expect(sample.ok)
        #expect(sample.status == 200)
        #expect(sample.error == nil)
        #expect(sample.ms == sample.timings?.total)
    }

    /// A status outside expectStatus is unhealthy, and the error names the status and the accepted list.
    @Test func statusMismatch() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 503, body: "down")])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("web", server.url("/health"), expect: [200, 204])]) { !$0.isEmpty }
        let sample = try #require(run.samples.first)
        #expect(!sample.ok)
        #expect(sample.status == 503)
        #expect(sample.error == "status 503 not in [200, 204]")
        #expect(sample.ms != nil)
    }

    /// Redirects are not followed by default, so a 302 is judged as a 302.
    @Test func redirectIsNotFollowed() async throws {
        let server = try LoopbackHTTPServer(routes: [
            "/old": .reply(status: 302, body: "", headers: ["Location": "/new"]),
            "/new": .reply(status: 200, body: "ok"),
        ])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("web", server.url("/old"))]) { !$0.isEmpty }
        #expect(run.samples.first?.error == "status 302 not in [200]")
        #expect(!server.requests.contains { $0.path == "/new" })
    }

    /// bodyContains passes when the body has the text and fails, with a clear error, when it does not.
    @Test func bodyContains() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "{\"status\":\"all good\"}")])
        defer { server.stop() }
        let run = try await runProbes([
            httpCheck("good", server.url("/health"), body: "all good"),
            httpCheck("bad", server.url("/health"), body: "ok\"}x"),
        ]) { samples in samples.contains { $0.check == "good" } && samples.contains { $0.check == "bad" } }
        #expect(run.of("good").first?.ok == true)
        let bad = try #require(run.of("bad").first)
        #expect(!bad.ok)
        #expect(bad.status == 200)
        #expect(bad.error == "body does not contain \"ok\"}x\"")
    }

    /// Only the configured number of body bytes is searched; a match past it is reported as not found, and says so.
    @Test func bodyCaptureIsBounded() async throws {
        let body = String(repeating: "x", count: 100_000) + "needle"
        let server = try LoopbackHTTPServer(routes: ["/big": .reply(status: 200, body: body)])
        defer { server.stop() }
        let configuration = ProbeRunner.Configuration(staggerWindow: .zero, maxBodyBytes: 65536)
        let run = try await runProbes([httpCheck("big", server.url("/big"), body: "needle")],
                                      configuration: configuration) { !$0.isEmpty }
        #expect(run.samples.first?.error == "body does not contain \"needle\" (searched the first 65536 bytes)")
    }

    /// The method and headers of the check are what the server receives.
    @Test func methodAndHeadersAreSent() async throws {
        let server = try LoopbackHTTPServer(routes: ["/probe": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        _ = try await runProbes([httpCheck("post", server.url("/probe"), method: "POST",
                                           headers: ["X-Probe": "gameday", "Authorization": "Bearer t"])]) { !$0.isEmpty }
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.headerLines.contains("X-Probe: gameday"))
        #expect(request.headerLines.contains("Authorization: Bearer t"))
        #expect(request.headerLines.contains { $0.hasPrefix("User-Agent: gameday-probe/") })
    }

    /// A server that accepts but never answers yields "timed out after <timeout>" near the timeout.
    @Test func timeoutAgainstSilentServer() async throws {
        let server = try LoopbackHTTPServer(routes: ["/hang": .hang])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("slow", server.url("/hang"), interval: .seconds(5),
                                                 timeout: .milliseconds(300))]) { !$0.isEmpty }
        let sample = try #require(run.samples.first)
        #expect(!sample.ok)
        #expect(sample.error == "timed out after 300ms")
        #expect(sample.ms == nil)
        #expect(sample.status == nil)
    }

    /// A probe slower than the interval makes its check skip slots instead of piling up requests.
    @Test func slowProbeSkipsSlots() async throws {
        let server = try LoopbackHTTPServer(routes: ["/hang": .hang])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("slow", server.url("/hang"), interval: .milliseconds(50),
                                                 timeout: .milliseconds(600))]) { $0.count >= 3 }
        // At most one request in flight: requests never outnumber finished probes by more than one.
        #expect(run.samples.count >= 3)
        #expect(server.requests.count <= run.samples.count + 1)
        #expect(run.samples.allSatisfy { $0.error == "timed out after 600ms" })
    }

    /// Every probe opens a new connection, so a service that goes away shows in the following probes.
    @Test func serverGoingDownIsSeen() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        let stopped = Mutex(false)
        let run = try await runProbes([httpCheck("web", server.url("/health"), interval: .milliseconds(100))]) { samples in
            if samples.count >= 2, stopped.withLock({ !$0 }) {
                server.stop()
                stopped.withLock { $0 = true }
            }
            return samples.contains { !$0.ok }
        }
        #expect(run.samples.prefix(2).allSatisfy { $0.ok })
        #expect(run.samples.last?.error == "connection refused")
    }

    /// Nothing listening on the port yields "connection refused" for HTTP checks.
    @Test func connectionRefused() async throws {
        let port = try closedLoopbackPort()
        let run = try await runProbes([httpCheck("gone", "http://127.0.0.1:\(port)/health")]) { !$0.isEmpty }
        let sample = try #require(run.samples.first)
        #expect(!sample.ok)
        #expect(sample.error == "connection refused")
    }

    /// A URL with an unsupported scheme is an unhealthy sample with a readable reason, not a crash.
    @Test func unsupportedScheme() async throws {
        let run = try await runProbes([httpCheck("ftp", "ftp://127.0.0.1:1/x")]) { !$0.isEmpty }
        let error = try #require(run.samples.first?.error)
        #expect(error.hasPrefix("unsupported URL scheme (use http or https)"))
    }

    /// TCP checks are healthy when something accepts and fail with "connection refused" when nothing listens.
    @Test func tcpUpAndDown() async throws {
        let server = try LoopbackHTTPServer(routes: [:])
        defer { server.stop() }
        let port = try closedLoopbackPort()
        let run = try await runProbes([
            HealthCheckSpec(name: "up", kind: .tcp(host: "127.0.0.1", port: server.port), interval: .milliseconds(200)),
            HealthCheckSpec(name: "down", kind: .tcp(host: "127.0.0.1", port: port), interval: .milliseconds(200)),
        ]) { samples in samples.filter { $0.check == "up" }.count >= 2 && samples.contains { $0.check == "down" } }
        let up = run.of("up")
        #expect(up.allSatisfy { $0.ok && $0.error == nil && ($0.ms ?? -1) >= 0 })
        let down = try #require(run.of("down").first)
        #expect(!down.ok)
        #expect(down.error == "connection refused")
    }

    /// Commands exiting 0 are healthy; others report the exit status and the first line of stderr.
    @Test func commandOkAndFail() async throws {
        let run = try await runProbes([
            commandCheck("ok", ["true"]),
            commandCheck("fail", ["/bin/sh", "-c", "echo 'first line' >&2; echo second >&2; exit 3"]),
            commandCheck("stdout-only", ["/bin/sh", "-c", "echo only stdout; exit 1"]),
            commandCheck("missing", ["gameday-no-such-command-7f3a"]),
        ]) { samples in Set(samples.map(\.check)).count == 4 }
        #expect(run.of("ok").first?.ok == true)
        #expect(run.of("ok").first?.ms != nil)
        #expect(run.of("fail").first?.error == "exit status 3: first line")
        #expect(run.of("stdout-only").first?.error == "exit status 1: only stdout")
        #expect(run.of("missing").first?.error == "could not run \"gameday-no-such-command-7f3a\": command not found")
    }

    /// A command past its timeout is killed with its whole process group and reported as timed out.
    @Test func commandTimeoutKillsProcessGroup() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("helper.pid").path
        let run = try await runProbes([
            commandCheck("stuck", ["/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", pidFile],
                         interval: .seconds(30), timeout: .milliseconds(1500)),
        ]) { !$0.isEmpty }
        let sample = try #require(run.samples.first)
        #expect(!sample.ok)
        #expect(sample.error == "timed out after 1.5s")
        let helper = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let helperGone = try await eventually { !isAlive(helper) }
        #expect(helperGone, "the check's background helper \(helper) survived the timeout")
    }

    /// HTTP samples carry per-phase timings in order: dns <= connect <= tls <= firstByte <= total.
    @Test func timingsArePresentAndOrdered() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        let run = try await runProbes([httpCheck("web", server.url("/health"), interval: .milliseconds(100))]) { $0.count >= 5 }
        #expect(run.samples.count >= 5)
        for sample in run.samples {
            let timings = try #require(sample.timings)
            #expect(timings.dns >= 0)
            #expect(timings.dns <= timings.connect)
            #expect(timings.connect <= timings.tls)
            #expect(timings.tls <= timings.firstByte)
            #expect(timings.firstByte <= timings.total)
            #expect(timings.total > 0)
            #expect(sample.ms == timings.total)
        }
    }

    /// Probes follow the interval: over a window, a check never probes more often than its slots allow, and it does
    /// keep probing.
    @Test func intervalScheduling() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        let clock = ContinuousClock()
        let start = clock.now
        let run = try await runProbes([httpCheck("web", server.url("/health"), interval: .milliseconds(250))],
                                      deadline: .seconds(2)) { _ in false }
        let elapsed = clock.now - start
        let slots = Int(elapsed / .milliseconds(250)) + 1
        #expect(run.samples.count >= 2, "only \(run.samples.count) samples in \(elapsed)")
        #expect(run.samples.count <= slots, "\(run.samples.count) samples in \(elapsed) exceeds \(slots) slots")
        #expect(server.requests.count <= slots)
    }

    /// Cancelling the calling task stops every kind of probe promptly, kills running commands and closes every
    /// descriptor the runner opened.
    @Test func cancellationIsPromptAndLeaksNothing() async throws {
        // Warm up libcurl's one-time global state so it is not counted as a leak.
        let warmServer = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        _ = try await runProbes([httpCheck("warm", warmServer.url("/health"))]) { !$0.isEmpty }
        warmServer.stop()
        // Counted before the test's own server exists: the server holds sockets (e.g. the unanswered connection)
        // until it stops, and it is stopped before counting again.
        let before = openDescriptorCount()
        let beforeList = openDescriptors()
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok"), "/hang": .hang])
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("probes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let pidFile = directory.appendingPathComponent("sleeper.pid").path

        var checks = (0..<8).map { httpCheck("web-\($0)", server.url("/health"), interval: .milliseconds(100)) }
        checks.append(httpCheck("hang", server.url("/hang"), interval: .milliseconds(100), timeout: .seconds(60)))
        checks.append(HealthCheckSpec(name: "tcp", kind: .tcp(host: "127.0.0.1", port: server.port), interval: .milliseconds(100)))
        checks.append(commandCheck("sleeper", ["/bin/sh", "-c", "echo $$ > \"$0\"; exec sleep 60", pidFile],
                                   interval: .milliseconds(100), timeout: .seconds(60)))
        checks.append(commandCheck("quick", ["true"], interval: .milliseconds(100)))
        let run = try await runProbes(checks) { samples in
            samples.filter { $0.check.hasPrefix("web-") }.count >= 16 && FileManager.default.fileExists(atPath: pidFile)
        }
        #expect(run.stopTime < .seconds(5), "stopping took \(run.stopTime)")
        #expect(run.samples.filter { $0.check.hasPrefix("web-") }.allSatisfy { $0.ok })
        #expect(!run.samples.contains { $0.check == "hang" || $0.check == "sleeper" })

        let sleeper = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(!isAlive(sleeper), "the running command \(sleeper) was not killed")
        server.stop()
        // Other test suites in this process may open descriptors meanwhile; wait for the count to settle back.
        let settled = try await eventually { openDescriptorCount() <= before }
        #expect(settled, "open descriptors: \(before) before, \(openDescriptorCount()) after; new: \(Set(openDescriptors()).subtracting(beforeList))")
    }

    /// A task cancelled before the runner starts returns at once without probing.
    @Test func alreadyCancelledReturnsAtOnce() async throws {
        let collector = SampleCollector()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await ProbeRunner(logger: Logger(label: "test")).run(
                checks: [commandCheck("ok", ["true"], interval: .seconds(1))], sink: { collector.append($0) })
        }
        try await task.value
        #expect(collector.samples.isEmpty)
    }

    /// Many checks share the one probe thread; every one of them probes and succeeds.
    @Test func manyChecksInOneRunner() async throws {
        let server = try LoopbackHTTPServer(routes: ["/health": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        let checks = (0..<60).map { httpCheck("web-\($0)", server.url("/health"), body: "ok", interval: .milliseconds(300)) }
        let run = try await runProbes(checks, configuration: .init(staggerWindow: .milliseconds(300))) { samples in
            Dictionary(grouping: samples, by: \.check).filter { $0.value.count >= 2 }.count == 60
        }
        let perCheck = Dictionary(grouping: run.samples, by: \.check)
        #expect(perCheck.count == 60)
        #expect(perCheck.values.allSatisfy { $0.count >= 2 })
        #expect(run.samples.allSatisfy { $0.ok }, "\(run.samples.filter { !$0.ok }.prefix(3))")
    }

    /// Checks that cannot be probed are refused up front with a message naming the check and the fix.
    @Test func invalidChecksAreRejected() async throws {
        let cases: [(HealthCheckSpec, String)] = [
            (httpCheck("zero", "http://127.0.0.1/", interval: .zero), "interval must be positive, got 0s"),
            (httpCheck("t", "http://127.0.0.1/", timeout: .milliseconds(-5)), "timeout must be positive"),
            (commandCheck("empty", []), "the command is empty"),
            (HealthCheckSpec(name: "port", kind: .tcp(host: "127.0.0.1", port: 70000)), "TCP port 70000 is outside 1-65535"),
            (httpCheck("hdr", "http://127.0.0.1/", headers: ["X-A": "b\r\nInjected: 1"]), "header \"X-A\""),
            (httpCheck("verb", "http://127.0.0.1/", method: "GET /x"), "HTTP method"),
        ]
        for (check, message) in cases {
            let runner = ProbeRunner(logger: Logger(label: "test"))
            let task = Task { try await runner.run(checks: [check], sink: { _ in }) }
            // A check that wrongly passes validation would probe forever; the watchdog turns that into a failure.
            let watchdog = Task {
                try await Task.sleep(for: .seconds(10))
                task.cancel()
            }
            let result = await task.result
            watchdog.cancel()
            guard case let .failure(error) = result else {
                Issue.record("check \(check.name) was accepted; expected: \(message)")
                continue
            }
            let text = "\(error)"
            #expect(error is ProbeError)
            #expect(text.contains(message), "\(text)")
            #expect(text.contains("health check \"\(check.name)\""))
        }
    }
}
