import Foundation
import GameDayCore
import GameDayEngine
import GameDayTestSupport
import Logging
import Synchronization
import Testing
@testable import GameDayAlerts

/// Journals in memory what the collector records.
final class MemoryRecorder: EventRecorder {
    private let events = Mutex<[EventBody]>([])
    var bodies: [EventBody] { events.withLock { $0 } }
    var alerts: [AlertEvent] { bodies.compactMap { if case .alert(let a) = $0 { return a } else { return nil } } }
    func record(_ body: EventBody) throws -> JournalEvent {
        events.withLock { $0.append(body) }
        return JournalEvent(seq: 0, t: 0, wall: 0, body: body)
    }
}

/// POSTs `body` (a file path with `@`) with curl; returns the HTTP status.
func post(_ url: String, body: String, headers: [String] = []) throws -> Int {
    let curl = Process()
    curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    curl.arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-X", "POST",
                      "-H", "Content-Type: application/json"] + headers.flatMap { ["-H", $0] } + ["--data-binary", body, url]
    let out = Pipe()
    curl.standardOutput = out
    try curl.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    curl.waitUntilExit()
    return Int(String(decoding: data, as: UTF8.self)) ?? 0
}

let notification = #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"ReplicaDown","severity":"page"},"startsAt":"2026-11-30T12:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"f1"}]}"#

@Suite(.serialized) struct AlertCollectorTests {
    /// A real webhook receiver on loopback: valid notifications are journaled once; malformed and oversized bodies get
    /// 4xx and leave the journal untouched; nothing is journaled before arm().
    @Test func webhookReceiver() async throws {
        let recorder = MemoryRecorder()
        let collector = try AlertCollector(spec: AlertsSpec(webhook: "127.0.0.1:0", matchers: [try AlertMatcher(parsing: "severity=page")]),
                                           recorder: recorder, logger: Logger(label: "test"))
        let bound = try #require(try await collector.start())
        let url = "http://\(bound)/"
        #expect(try post(url, body: notification) == 200)
        #expect(recorder.bodies.isEmpty, "held until run.start is journaled")
        await collector.arm()
        #expect(recorder.alerts.map(\.name) == ["ReplicaDown"])
        #expect(try post(url, body: notification) == 200)
        #expect(try post(url, body: "{not json") == 400)
        #expect(try post(url, body: #"{"alerts":[{"status":"firing"}]}"#) == 400)
        let dir = try temporaryDirectory("big-webhook")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(repeating: 0x20, count: AlertWebhookServer.maxBodyBytes + 10).write(to: URL(fileURLWithPath: dir + "/big"))
        #expect(try post(url, body: "@" + dir + "/big") == 413)
        #expect(recorder.bodies.count == 1, "\(recorder.bodies)")
        await collector.stop()
        #expect(try post(url, body: notification) == 0, "stopped: nothing listens")
    }

    /// A receiver off loopback needs a token, and then refuses requests without it.
    @Test func tokenRequiredOffLoopback() async throws {
        let recorder = MemoryRecorder()
        let open = AlertWebhookServer(address: HostPort(host: "0.0.0.0", port: 0), token: nil, logger: Logger(label: "test")) { _ in }
        await #expect(throws: AlertsError.self) { _ = try await open.start() }
        let collector = try AlertCollector(spec: AlertsSpec(webhook: "127.0.0.1:0", tokenEnv: "GAMEDAY_TEST_ALERT_TOKEN"), recorder: recorder,
                                           environment: ["GAMEDAY_TEST_ALERT_TOKEN": "t0k"], logger: Logger(label: "test"))
        await collector.arm()
        let bound = try #require(try await collector.start())
        #expect(try post("http://\(bound)/", body: notification) == 401)
        #expect(try post("http://\(bound)/", body: notification, headers: ["Authorization: Bearer t0k"]) == 200)
        #expect(recorder.alerts.count == 1)
        await collector.stop()
        #expect(throws: AlertsError.self) {
            _ = try AlertCollector(spec: AlertsSpec(webhook: "127.0.0.1:0", tokenEnv: "UNSET_X"), recorder: recorder, environment: [:],
                                   logger: Logger(label: "test"))
        }
    }

    /// A real Alertmanager: alerts posted to it show up through the API poller as firing, and Alertmanager going
    /// away is journaled as the API being unavailable, then available again.
    @Test(.timeLimit(.minutes(1))) func pollsRealAlertmanager() async throws {
        let am = try await MonitoringServer(.alertmanager, configuration: """
            route: { receiver: none, group_wait: 0s }
            receivers: [{ name: none }]
            """, name: "am-poll")
        defer { am.stop() }
        let recorder = MemoryRecorder()
        let collector = try AlertCollector(spec: AlertsSpec(alertmanager: am.url, matchers: [try AlertMatcher(parsing: #"severity=~"page""#)],
                                                            pollInterval: .milliseconds(200)),
                                           recorder: recorder, logger: Logger(label: "test"))
        await collector.arm()
        try await collector.start()
        let alerts = #"[{"labels":{"alertname":"ReplicaDown","severity":"page"}},{"labels":{"alertname":"Chatty","severity":"info"}}]"#
        #expect(try post(am.url + "/api/v2/alerts", body: alerts) == 200)
        #expect(await eventually(timeout: .seconds(10)) { recorder.alerts.contains { $0.name == "ReplicaDown" && $0.source == .api } })
        am.signal(SIGSTOP)
        #expect(await eventually(timeout: .seconds(15)) {
            recorder.bodies.contains { if case .alertSource(let s) = $0 { return !s.available } else { return false } }
        })
        am.signal(SIGCONT)
        #expect(await eventually(timeout: .seconds(15)) {
            recorder.bodies.contains { if case .alertSource(let s) = $0 { return s.available } else { return false } }
        })
        await collector.stop()
        #expect(!recorder.alerts.contains { $0.name == "Chatty" })
        #expect(!recorder.alerts.contains { $0.status == .resolved }, "an outage resolves nothing")
    }
}
