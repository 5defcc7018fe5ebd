import GameDayCore
import Testing
@testable import GameDayAlerts

struct AlertTrackerTests {
    private func alert(_ name: String, severity: String = "page", firing: Bool = true, fp: String? = nil) -> ObservedAlert {
        ObservedAlert(firing: firing, labels: ["alertname": name, "severity": severity], fingerprint: fp ?? name,
                      startsAt: "2026-11-30T12:00:00Z", endsAt: firing ? nil : "2026-11-30T12:01:00Z")
    }

    /// Matchers use Alertmanager's syntax and semantics: anchored regexes, a missing label is "".
    @Test func matcherSyntax() throws {
        let m = try AlertMatcher(parsing: #"severity=~"page|ticket""#)
        #expect(m == AlertMatcher(name: "severity", op: .matches, value: "page|ticket"))
        let set = AlertMatcherSet([m, try AlertMatcher(parsing: "team!=db"), try AlertMatcher(parsing: #"env!~"dev.*""#)])
        #expect(set.matches(["severity": "page"]))
        #expect(!set.matches(["severity": "pager"]), "regexes are anchored")
        #expect(!set.matches(["severity": "ticket", "team": "db"]))
        #expect(!set.matches(["severity": "ticket", "env": "dev-1"]))
        #expect(AlertMatcherSet([try AlertMatcher(parsing: #"team="""#)]).matches([:]), "a missing label is the empty string")
        #expect(try AlertMatcher(parsing: #"a="x\"y""#).value == #"x"y"#)
        #expect(throws: AlertMatcherError.self) { try AlertMatcher(parsing: "severity") }
        #expect(throws: AlertMatcherError.self) { try AlertMatcher(parsing: #"1x="a""#) }
        #expect(throws: AlertMatcherError.self) { try AlertMatcher(parsing: #"a=~"(""#) }
        #expect(throws: AlertMatcherError.self) { try AlertMatcher(parsing: #"a="open"#) }
    }

    /// One firing and one resolved event per alert, whatever the number of notifications; unmatched alerts ignored.
    @Test func webhookDeduplicates() {
        var tracker = AlertTracker(matchers: [try! AlertMatcher(parsing: #"severity=~"page|ticket""#)])
        let first = tracker.webhook([alert("ReplicaDown"), alert("DiskFull", severity: "info")])
        #expect(first.map(\.name) == ["ReplicaDown"] && first[0].status == .firing && first[0].source == .webhook)
        #expect(tracker.webhook([alert("ReplicaDown")]).isEmpty, "a repeated notification journals nothing")
        let resolved = tracker.webhook([alert("ReplicaDown", firing: false)])
        #expect(resolved.map(\.status) == [.resolved] && resolved[0].endsAt == "2026-11-30T12:01:00Z")
        #expect(tracker.webhook([alert("ReplicaDown", firing: false)]).isEmpty)
    }

    /// The API's list is complete: an alert missing from a poll has resolved; webhook and API share one state.
    @Test func pollResolvesMissingAlerts() {
        var tracker = AlertTracker(matchers: [])
        #expect(tracker.poll([alert("A"), alert("B")]).map(\.name) == ["A", "B"])
        #expect(tracker.webhook([alert("A")]).isEmpty, "already firing from the API")
        let next = tracker.poll([alert("B")])
        #expect(next.map(\.name) == ["A"] && next[0].status == .resolved && next[0].source == .api)
        #expect(tracker.firingFingerprints == ["B"])
    }

    /// Webhook and API payloads decode; malformed ones are refused with a reason.
    @Test func payloads() throws {
        let webhook = #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"ReplicaDown","instance":"r1"},"annotations":{},"startsAt":"2026-11-30T12:00:00.1Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"a1b2"}]}"#
        let decoded = try AlertPayloads.webhook(Array(webhook.utf8))
        #expect(decoded == [ObservedAlert(firing: true, labels: ["alertname": "ReplicaDown", "instance": "r1"], fingerprint: "a1b2",
                                          startsAt: "2026-11-30T12:00:00.1Z")])
        let api = #"[{"labels":{"alertname":"A"},"startsAt":"t","fingerprint":"f1","status":{"state":"active"}},{"labels":{"alertname":"B"},"startsAt":"t","fingerprint":"f2","status":{"state":"suppressed"}}]"#
        #expect(try AlertPayloads.apiAlerts(Array(api.utf8)).map(\.fingerprint) == ["f1"])
        #expect(throws: AlertPayloadError.self) { try AlertPayloads.webhook(Array("not json".utf8)) }
        #expect(throws: AlertPayloadError("the notification has no \"alerts\" list")) { try AlertPayloads.webhook(Array("{}".utf8)) }
        #expect(throws: AlertPayloadError.self) { try AlertPayloads.webhook(Array(#"{"alerts":[{"status":"odd","labels":{},"startsAt":"t"}]}"#.utf8)) }
        #expect(throws: AlertPayloadError.self) { try AlertPayloads.webhook(Array(#"{"alerts":[{"status":"firing","labels":{"a":1},"startsAt":"t"}]}"#.utf8)) }
    }
}
