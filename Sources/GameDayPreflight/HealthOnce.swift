import Foundation
import GameDayCore
import GameDayProbes
import Synchronization

extension Preflight {
    /// Probes every check once with the run's own probe runner (libcurl, the same options) and reports, per
    /// check, nil when its first answer was healthy or the reason it was not. Retries within `patience` so a check
    /// with `failuresToUnhealthy > 1` is not judged on one unlucky probe: its first success wins.
    public static func healthOnce(runner: ProbeRunner, patience: TimeSpan = .seconds(3)) -> HealthCheckOnce {
        { checks in
            let answers = Answers()
            let names = Set(checks.map(\.name))
            // Probe quickly: at most every 500 ms, never slower than the plan asks.
            let fast = checks.map { check -> HealthCheckSpec in
                var copy = check
                copy.interval = .milliseconds(min(500, max(50, check.interval.milliseconds)))
                return copy
            }
            let longest = checks.map(\.timeout.milliseconds).max() ?? 1000
            let budget = TimeSpan.milliseconds(longest + patience.milliseconds)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await runner.run(checks: fast) { sample in
                        answers.value.withLock { found in
                            // A success replaces an earlier failure; a failure never replaces anything.
                            if sample.ok { found[sample.check] = .some(nil) }
                            else if found[sample.check] == nil { found[sample.check] = .some(Self.reason(sample)) }
                        }
                    }
                }
                group.addTask {
                    let deadline = Date().addingTimeInterval(Double(budget.milliseconds) / 1000)
                    while Date() < deadline {
                        let settled = answers.value.withLock { found in
                            names.allSatisfy { name in if case .some(.none) = found[name] { return true } else { return false } }
                        }
                        if settled { break }
                        try? await Task.sleep(nanoseconds: 50_000_000)
                    }
                }
                await group.next()
                group.cancelAll()
            }
            return answers.value.withLock { $0 }
        }
    }

    static func reason(_ sample: ProbeSample) -> String {
        var parts: [String] = []
        if let status = sample.status { parts.append("HTTP \(status)") }
        if let error = sample.error { parts.append(error) }
        if let ms = sample.ms { parts.append(String(format: "after %.0f ms", ms)) }
        return parts.isEmpty ? "unhealthy" : parts.joined(separator: ", ")
    }
}

/// The first answers of the checks, shared by the probe thread and the waiter.
private final class Answers: Sendable {
    let value = Mutex<[String: String?]>([:])
}
