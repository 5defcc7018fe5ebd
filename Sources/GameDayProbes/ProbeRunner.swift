import Foundation
import GameDayCore
import GameDayEngine
import Logging
import Synchronization

/// Runs health checks: HTTP, TCP and Prometheus checks through one libcurl multi loop on one thread, command checks
/// as child processes waited on by that same loop.
///
/// Each check probes on fixed slots `t0 + n * interval` (see ``ProbeScheduleStateMachine``); a slot that comes while
/// the check's previous probe still runs is skipped, so a check never has two probes in flight. Every finished probe
/// becomes one ``ProbeSample`` handed to `sink` on the probe thread. When the calling task is cancelled, the loop
/// abandons in-flight probes (killing command checks' process groups), frees every handle and descriptor, and
/// `run` returns.
///
/// HTTP probes resolve the name and open a fresh connection each time (no DNS cache, no keep-alive), so every sample
/// measures DNS, connect and TLS the way a new client would meet them, and a DNS or network fault shows in the next
/// sample. They ignore proxy environment variables and do not follow redirects unless
/// ``Configuration/followRedirects`` says so.
///
/// Sample fields: `ok`; `ms`, the probe's total time, set when the probe completed (a response, a connection, an
/// exit status) and nil when it did not (timeout, refused, not found); `status` for HTTP responses; `error`, a
/// human-readable reason such as `connection refused`, `timed out after 2s`, `status 503 not in [200]`,
/// `body does not contain "ok"` or `exit status 1: <first line of stderr>`; `timings` for HTTP responses, cumulative
/// milliseconds from the start of the probe (a plain-HTTP probe's `tls` equals its `connect`).
public struct ProbeRunner: ProbeDriver {
    /// Knobs that plans do not set.
    public struct Configuration: Sendable {
        /// Checks' first slots are spread evenly over `min(staggerWindow, interval)` to avoid a thundering herd.
        public var staggerWindow: TimeSpan
        /// At most this many bytes of an HTTP response body are kept for `bodyContains`; the rest is read and dropped.
        public var maxBodyBytes: Int
        /// At most this many bytes of a command's stdout and of its stderr are kept for the error text.
        public var maxCommandOutputBytes: Int
        /// Whether HTTP probes follow redirects (up to 5); off by default so a 302 to a login page is not "healthy".
        public var followRedirects: Bool
        /// The User-Agent of HTTP probes, so services can tell probes from users in their logs.
        public var userAgent: String

        /// The defaults suit game days; tests shorten the stagger window.
        public init(staggerWindow: TimeSpan = .milliseconds(500), maxBodyBytes: Int = 64 * 1024,
                    maxCommandOutputBytes: Int = 4096, followRedirects: Bool = false,
                    userAgent: String = "gameday-probe/\(GameDayVersion.current)") {
            self.staggerWindow = staggerWindow; self.maxBodyBytes = maxBodyBytes
            self.maxCommandOutputBytes = maxCommandOutputBytes; self.followRedirects = followRedirects
            self.userAgent = userAgent
        }
    }

    /// Settings plans do not carry.
    public var configuration: Configuration
    /// Where the runner logs its lifecycle (debug) and anything odd (warning).
    public var logger: Logger

    /// - Parameters:
    ///   - configuration: settings plans do not carry; the defaults suit game days.
    ///   - logger: where the runner logs its lifecycle (debug) and anything odd (warning).
    public init(configuration: Configuration = Configuration(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Probes every check at its interval until the calling task is cancelled, then stops and returns.
    ///
    /// Throws ``ProbeError/invalidCheck(check:reason:)`` before probing anything if a check cannot be run (a
    /// non-positive interval or timeout, an empty command, a port out of range), and ``ProbeError/curl(_:)`` if
    /// libcurl itself fails. `sink` is called serially on the probe thread, once per finished probe (none after
    /// cancellation); it holds up every probe while it runs, so keep it quick.
    public func run(checks: [HealthCheckSpec], sink: @escaping @Sendable (ProbeSample) -> Void) async throws {
        try Self.validate(checks)
        let loop = try ProbeLoop(checks: checks, configuration: configuration, logger: logger, sink: sink)
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                loop.start { result in continuation.resume(with: result) }
            }
        } onCancel: {
            loop.requestStop()
        }
    }

    /// Rejects settings that would make a probe meaningless or unbounded; the plan validator reports these with
    /// positions first, this is the last line of defence for callers that build specs by hand.
    static func validate(_ checks: [HealthCheckSpec]) throws {
        for check in checks {
            if check.interval.milliseconds <= 0 {
                throw ProbeError.invalidCheck(check: check.name, reason: "interval must be positive, got \(check.interval)")
            }
            if check.timeout.milliseconds <= 0 {
                throw ProbeError.invalidCheck(check: check.name, reason: "timeout must be positive, got \(check.timeout)")
            }
            switch check.kind {
            case let .http(http):
                if http.url.isEmpty || http.url.utf8.contains(0) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "the URL is empty or contains a NUL byte")
                }
                if http.method.isEmpty || !http.method.allSatisfy({ $0.isLetter && $0.isASCII }) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "HTTP method \"\(http.method)\" is not a token like GET")
                }
                for (name, value) in http.headers where !isValidHeader(name: name, value: value) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "header \"\(name)\" has an invalid name or a line break in its value")
                }
            case let .tcp(host, port):
                if host.isEmpty || host.utf8.contains(0) || host.contains("/") {
                    throw ProbeError.invalidCheck(check: check.name, reason: "TCP host \"\(host)\" is not a host name or address")
                }
                if !(1...65535).contains(port) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "TCP port \(port) is outside 1-65535")
                }
            case let .prometheus(prometheus):
                if prometheus.url.isEmpty || prometheus.url.utf8.contains(0) || prometheus.query.utf8.contains(0) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "the Prometheus url is empty or the url or query contains a NUL byte")
                }
                if prometheus.query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw ProbeError.invalidCheck(check: check.name, reason: "the PromQL query is empty")
                }
                if (prometheus.healthyBelow == nil) == (prometheus.healthyAbove == nil) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "give exactly one of healthyBelow or healthyAbove")
                }
                for (name, value) in prometheus.headers where !isValidHeader(name: name, value: value) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "header \"\(name)\" has an invalid name or a line break in its value")
                }
            case let .command(argv):
                if argv.isEmpty || argv[0].isEmpty {
                    throw ProbeError.invalidCheck(check: check.name, reason: "the command is empty; give the program and its arguments as a list")
                }
                if argv.contains(where: { $0.utf8.contains(0) }) {
                    throw ProbeError.invalidCheck(check: check.name, reason: "a command argument contains a NUL byte")
                }
            }
        }
    }

    private static func isValidHeader(name: String, value: String) -> Bool {
        let token = name.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 && $0.value < 127 && $0 != ":" }
        // Scalars, not Characters: "\r\n" is one Character and would slip past a Character comparison.
        return !name.isEmpty && token && !value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }
}
