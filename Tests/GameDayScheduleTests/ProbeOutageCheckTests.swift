import Foundation
import GameDayCore
import GameDayEngine
import Logging
import Testing
@testable import GameDaySchedule

/// A probe driver answering from a script (the real one is tested in GameDayProbesTests and end to end here).
struct ScriptedProbeDriver: ProbeDriver {
    var results: [String: [Bool]]
    var fails: String?

    func run(checks: [HealthCheckSpec], sink: @escaping @Sendable (ProbeSample) -> Void) async throws {
        if let fails { throw ScheduleRunError(message: fails) }
        for round in 0..<10 {
            for check in checks {
                let script = results[check.name] ?? []
                guard round < script.count else { continue }
                sink(ProbeSample(check: check.name, ok: script[round], ms: 1, status: script[round] ? 200 : 503))
            }
        }
        try await Task.sleep(for: .seconds(600))
    }
}

@Suite struct ProbeOutageCheckTests {
    let storefront = HealthCheckSpec(name: "storefront", kind: .tcp(host: "127.0.0.1", port: 1), interval: .milliseconds(10),
                                     timeout: .milliseconds(10), successesToHealthy: 2)
    let payments = HealthCheckSpec(name: "payments", kind: .tcp(host: "127.0.0.1", port: 1), interval: .milliseconds(10),
                                   timeout: .milliseconds(10), successesToHealthy: 1)

    /// Healthy when each check answers successesToHealthy successes in a row.
    @Test func healthy() async {
        let check = ProbeOutageCheck(driver: ScriptedProbeDriver(results: ["storefront": [true, true], "payments": [true]]), logger: Logger(label: "t"))
        #expect(await check.unhealthy([storefront, payments]).isEmpty)
    }

    /// A failing probe names the check and why.
    @Test func unhealthy() async {
        let check = ProbeOutageCheck(driver: ScriptedProbeDriver(results: ["storefront": [true, false], "payments": [true]]), logger: Logger(label: "t"))
        #expect(await check.unhealthy([storefront, payments]) == ["storefront: HTTP 503"])
    }

    /// A check that never answers, or a driver that fails, counts as unhealthy (bounded wait).
    @Test func silentOrBroken() async {
        let silent = ProbeOutageCheck(driver: ScriptedProbeDriver(results: ["payments": [true]]), logger: Logger(label: "t"))
        #expect(await silent.unhealthy([storefront, payments]) == ["storefront: no answer in time"])
        let broken = ProbeOutageCheck(driver: ScriptedProbeDriver(results: [:], fails: "curl init failed"), logger: Logger(label: "t"))
        #expect(await broken.unhealthy([payments]) == ["payments: probe error: curl init failed"])
        #expect(await broken.unhealthy([]).isEmpty)
    }
}
