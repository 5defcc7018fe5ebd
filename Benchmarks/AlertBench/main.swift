// AlertBench: the alert webhook receiver under an alert storm.
//
// Posts 1,000 Alertmanager webhook notifications per second (one new alert each) for DURATION seconds (default 10) to
// an AlertCollector listening on loopback, and checks that every alert was journaled exactly once (the recorder
// counts) and every request was answered 200. Reports the CPU of this process (sender included) per second.
//
//   AlertBench [DURATION_SECONDS] [--rate N]
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GameDayAlerts
import GameDayCore
import GameDayEngine
import Logging
import Synchronization

final class CountingRecorder: EventRecorder {
    let count = Mutex(0)
    func record(_ body: EventBody) throws -> JournalEvent {
        if case .alert = body { count.withLock { $0 += 1 } }
        return JournalEvent(seq: 0, t: 0, wall: 0, body: body)
    }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

var duration = 10
var rate = 1000
var rest = CommandLine.arguments.dropFirst()
while let argument = rest.popFirst() {
    if argument == "--rate", let value = rest.popFirst().flatMap(Int.init), value > 0 { rate = value }
    else if let value = Int(argument), value > 0 { duration = value }
    else { FileHandle.standardError.write(Data("usage: AlertBench [DURATION_SECONDS] [--rate N]\n".utf8)); exit(2) }
}

let recorder = CountingRecorder()
let collector = try AlertCollector(spec: AlertsSpec(webhook: "127.0.0.1:0", matchers: [AlertMatcher(name: "severity", op: .equal, value: "page")]),
                                   recorder: recorder, logger: Logger(label: "alertbench"))
await collector.arm()
guard let bound = try await collector.start() else { exit(1) }
let url = URL(string: "http://\(bound)/")!
let configuration = URLSessionConfiguration.ephemeral
configuration.httpMaximumConnectionsPerHost = 64
let session = URLSession(configuration: configuration)

let total = duration * rate
let answered = Mutex((ok: 0, failed: 0))
let clock = ContinuousClock()
let cpuBefore = cpuSeconds()
let started = clock.now
await withTaskGroup(of: Void.self) { group in
    var inFlight = 0
    for i in 0..<total {
        // Paced: request i leaves at i / rate seconds, at most 256 in flight.
        let due = started + .microseconds(Int64(i) * 1_000_000 / Int64(rate))
        if clock.now < due { try? await Task.sleep(until: due, clock: clock) }
        if inFlight >= 256 { await group.next(); inFlight -= 1 }
        inFlight += 1
        group.addTask {
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Storm","severity":"page","n":"\#(i)"},"startsAt":"2026-11-30T12:00:00Z","fingerprint":"fp-\#(i)"}]}"#.utf8)
            let status = ((try? await session.data(for: request))?.1 as? HTTPURLResponse)?.statusCode
            answered.withLock { status == 200 ? ($0.ok += 1) : ($0.failed += 1) }
        }
    }
    await group.waitForAll()
}
let elapsed = clock.now - started
let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let cpu = cpuSeconds() - cpuBefore
await collector.stop()
let journaled = recorder.count.withLock { $0 }
let (ok, failed) = answered.withLock { ($0.ok, $0.failed) }
print(String(format: "alerts: %d webhook alerts at %d/s: sent in %.1f s (%.0f/s achieved), %d answered 200, %d failed, %d journaled, CPU %.0f%% of one core (sender included)",
             total, rate, wall, Double(total) / wall, ok, failed, journaled, cpu / wall * 100))
let pass = journaled == total && failed == 0
print("alerts: \(pass ? "PASS" : "FAIL: alerts were lost")")
exit(pass ? 0 : 1)
