import Foundation
import GameDayCore
@testable import GameDayProbes
import Testing

struct SlowProbeTests {
    /// A successful HTTP probe slower than the check's slowerThan keeps ok (availability) but carries a slow reason.
    @Test func slowHTTPProbeIsUnhealthyForHealth() async throws {
        let server = try LoopbackHTTPServer(routes: ["/slow": .delayed(milliseconds: 300, status: 200, body: "ok"),
                                                     "/fast": .reply(status: 200, body: "ok")])
        defer { server.stop() }
        var slow = httpCheck("slow", server.url("/slow"), interval: .milliseconds(400))
        slow.slowerThan = .milliseconds(100)
        var fast = httpCheck("fast", server.url("/fast"), interval: .milliseconds(400))
        fast.slowerThan = .seconds(2)
        let run = try await runProbes([slow, fast]) { samples in
            samples.filter { $0.check == "slow" }.count >= 2 && samples.filter { $0.check == "fast" }.count >= 2
        }
        for sample in run.of("slow") {
            #expect(sample.ok, "the response itself was fine: \(sample)")
            #expect(!sample.healthOK)
            let ms = Int(try #require(sample.ms).rounded())
            #expect(sample.slow == "slow: \(ms) ms > 100 ms", "\(sample)")
            #expect(sample.healthError == sample.slow)
        }
        #expect(run.of("fast").allSatisfy { $0.healthOK && $0.slow == nil }, "\(run.of("fast"))")
    }

    /// A TCP connect within slowerThan stays healthy, and the judgement the probe loop applies turns a slower one
    /// into the same "slow: N ms > M ms" reason (a loopback connect cannot be made slow without a namespace).
    @Test func tcpSpeedJudgement() async throws {
        let server = try LoopbackHTTPServer(routes: [:])
        defer { server.stop() }
        var check = HealthCheckSpec(name: "tcp", kind: .tcp(host: "127.0.0.1", port: server.port), interval: .milliseconds(200))
        check.slowerThan = .milliseconds(500)
        let run = try await runProbes([check]) { $0.count >= 2 }
        #expect(run.samples.allSatisfy { $0.ok && $0.healthOK }, "\(run.samples)")
        let connect = ProbeSample(check: "tcp", ok: true, ms: 334.4)
        #expect(connect.judgingSpeed(slowerThan: .milliseconds(200)).slow == "slow: 334 ms > 200 ms")
        #expect(connect.judgingSpeed(slowerThan: .milliseconds(400)).slow == nil)
        #expect(connect.judgingSpeed(slowerThan: nil).slow == nil)
        // A failed probe is already a failure: it keeps its own reason.
        let refused = ProbeSample(check: "tcp", ok: false, ms: nil, error: "connection refused")
        #expect(refused.judgingSpeed(slowerThan: .milliseconds(1)).healthError == "connection refused")
    }
}
