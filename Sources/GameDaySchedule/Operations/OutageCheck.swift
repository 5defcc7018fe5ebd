import Foundation
import GameDayCore
import GameDayEngine
import Logging

/// Tells whether health checks are healthy right now, before a run may start.
public protocol OutageChecking: Sendable {
    /// The checks that are not healthy, each with a short reason; empty when all are healthy.
    func unhealthy(_ checks: [HealthCheckSpec]) async -> [String]
}

/// Outage check on a `ProbeDriver` (the same probes `gameday run` uses): each check must answer
/// `successesToHealthy` probes in a row successfully (between 1 and 5), within a bounded time.
public struct ProbeOutageCheck: OutageChecking {
    public var driver: any ProbeDriver
    public var logger: Logger

    public init(driver: any ProbeDriver, logger: Logger) { self.driver = driver; self.logger = logger }

    public func unhealthy(_ checks: [HealthCheckSpec]) async -> [String] {
        guard !checks.isEmpty else { return [] }
        let needed = Dictionary(uniqueKeysWithValues: checks.map { ($0.name, min(5, max(1, $0.successesToHealthy))) })
        let slowest = checks.map { $0.interval.seconds * Double(needed[$0.name] ?? 1) + $0.timeout.seconds }.max() ?? 5
        let deadline = Duration.milliseconds(Int64((slowest + 5) * 1000))
        let (stream, continuation) = AsyncStream.makeStream(of: ProbeSample.self, bufferingPolicy: .bufferingNewest(1000))
        var samples: [String: [ProbeSample]] = [:]
        var driverError: String?
        let driver = self.driver
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                defer { continuation.finish() }
                do { try await driver.run(checks: checks, sink: { continuation.yield($0) }) } catch is CancellationError {
                } catch { return "\(error)" }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                continuation.finish()
                return nil
            }
            for await sample in stream {
                samples[sample.check, default: []].append(sample)
                if needed.allSatisfy({ samples[$0.key, default: []].count >= $0.value }) { break }
            }
            group.cancelAll()
            for await result in group { if let result { driverError = result } }
        }
        var out: [String] = []
        for check in checks {
            let got = samples[check.name, default: []].prefix(needed[check.name] ?? 1)
            if let failed = got.first(where: { !$0.ok }) {
                out.append("\(check.name): \(failed.error ?? failed.status.map { "HTTP \($0)" } ?? "probe failed")")
            } else if got.count < (needed[check.name] ?? 1) {
                out.append("\(check.name): \(driverError.map { "probe error: \($0)" } ?? "no answer in time")")
            }
        }
        return out
    }
}
